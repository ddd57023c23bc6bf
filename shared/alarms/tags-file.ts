import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { checkYamlFile } from '../config/located.ts';
import { alarmNameFromArn } from '../enrich/alarm.ts';
import { plainError } from '../util/errors.ts';
import { ownValue } from '../util/own.ts';
import type { AlarmLookup } from './lookup.ts';

/** YAML turns `severity: 5` or `page: yes` into numbers and booleans; tags are strings in AWS. */
const TagValue = z.union([z.string(), z.number(), z.boolean()]).transform(String);

const EntrySchema = z
  .object({
    tags: z.record(z.string().min(1), TagValue).default({}),
    description: z.string().optional(),
  })
  .strict();

/** alarm name or ARN → what ListTagsForResource and DescribeAlarms would say. */
export const AlarmTagsFileSchema = z.record(z.string().min(1), EntrySchema);
export type AlarmTagsFile = z.infer<typeof AlarmTagsFileSchema>;

export class AlarmTagsFileError extends Error {
  override readonly name = 'AlarmTagsFileError';
}

/** Replay has no AWS: a file stands in for the alarms' tags and descriptions. An ARN entry wins over a name. */
export function fileAlarmLookup(entries: AlarmTagsFile): AlarmLookup {
  return async (alarmArn) => {
    const name = alarmNameFromArn(alarmArn);
    // The ARN and name come from the event: an alarm named "constructor" must not find Object's.
    const entry = ownValue(entries, alarmArn) ?? (name === undefined ? undefined : ownValue(entries, name));
    if (!entry) return undefined;
    return { tags: entry.tags, description: entry.description };
  };
}

/** Reads a YAML (or JSON, which YAML reads too) --alarm-tags file; a bad one is a usage error. */
export function loadAlarmTagsFile(path: string): AlarmLookup {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new AlarmTagsFileError(`cannot read ${path}: ${plainError(err)}`, { cause: err });
  }
  const checked = checkYamlFile(text, AlarmTagsFileSchema, path, {});
  if (checked.problems)
    throw new AlarmTagsFileError(`invalid alarm tags in ${path}:\n  ${checked.problems.join('\n  ')}`);
  return fileAlarmLookup(checked.data);
}
