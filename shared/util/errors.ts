/**
 * What went wrong reading or writing a file, in words a person reads at first sight: Node's own
 * messages repeat their code ("ENOENT: no such file or directory, open 'x'") and zlib's speak of
 * header checks. The path is left out: the caller names the file it was reading.
 */
const PLAIN: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or folder',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a folder, not a file',
  ENOTDIR: 'a part of the path is not a folder',
  EMFILE: 'too many open files',
  ENOSPC: 'no space left on the device',
  EROFS: 'read-only file system',
};

export function plainError(err: unknown): string {
  if (typeof err !== 'object' || err === null || !('message' in err)) return String(err);
  const code = 'code' in err && typeof err.code === 'string' ? err.code : undefined;
  const message = String(err.message);
  if (code && Object.hasOwn(PLAIN, code)) return PLAIN[code] as string;
  // zlib: a file named .gz that is not gzip says "incorrect header check"; a cut one "unexpected end of file".
  if (code === 'Z_DATA_ERROR')
    return /header check/.test(message) ? 'not a gzip file' : `corrupt gzip data (${message})`;
  if (code === 'Z_BUF_ERROR') return 'truncated gzip file';
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}
