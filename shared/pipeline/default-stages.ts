import type { Config } from '../config/schema.ts';
import type { AlertStage } from './stages.ts';

/**
 * What the stages may need from outside: each is optional so replay and tests can leave out
 * what they do not exercise. The Lambda passes real AWS-backed implementations.
 */
export type StagePorts = Record<string, never>;

/** The stages between detection and routing, in the order they run, for Lambda and replay alike. */
export function defaultStages(_config: Config, _ports: StagePorts): AlertStage[] {
  return [];
}
