/**
 * Whether a handler runs under `serverless invoke local`, in a module of its own with no imports, so
 * that a function as small as the heartbeat canary can ask without bundling the local stand-ins.
 */

/**
 * `serverless invoke local` sets IS_LOCAL=true before it loads the handler (osls,
 * lib/plugins/invoke.js). Lambda sets AWS_EXECUTION_ENV in every execution environment and it cannot
 * be set by configuration, so a deployed function whose environment says IS_LOCAL by mistake still
 * delivers: https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
 */
export function invokedLocally(env: Readonly<Record<string, string | undefined>>): boolean {
  return env.IS_LOCAL === 'true' && !env.AWS_EXECUTION_ENV;
}

/** Where local output goes: the terminal running `serverless invoke local`. */
export type Print = (text: string) => void;

export const printToStdout: Print = (text) => {
  process.stdout.write(text);
};
