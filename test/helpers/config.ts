import { ConfigError, parseConfig } from '../../shared/config/load.ts';

/** The problems parseConfig reports for `text` (stage dev); throws if the text is a valid config. */
export function configProblems(text: string, source: string): string[] {
  try {
    parseConfig(text, { stage: 'dev', source });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}
