import type { SecretSpec } from './types.ts';

/**
 * The SecretSpec of a receiver whose settings name its SSM parameter in `field` (and its key, if
 * any, in `kmsKeyArn`), as every channel's settings do (shared/config/primitives.ts ParameterName).
 */
export function ssmSecret<F extends string>(
  settings: Readonly<Record<F, string>> & { readonly kmsKeyArn?: string | undefined },
  field: F,
  what: string,
  example: string,
): SecretSpec {
  return { parameter: settings[field], kmsKeyArn: settings.kmsKeyArn, field, what, example };
}
