import { DELIVERY_TEST_RULE_ID } from '../../../shared/delivery/budget.ts';
import { OVERFLOW_SUMMARY_RULE_ID } from '../../../shared/delivery/overflow.ts';
import {
  ALARM_RULE,
  CLOUDTRAIL_RULES,
  FORGED_RULE,
  GENERIC_RULE,
  PIPELINE_RULE_IDS,
  RULE_IDS,
} from '../../../shared/detect/catalog.ts';
import { TEST_RULE_ID } from '../../../shared/doctor/send-test.ts';
import { ALARM_RULE_ID } from '../../../shared/enrich/alarm.ts';
import { FLAPPING_RULE_ID } from '../../../shared/stages/flapping.ts';
import { GROUP_SUMMARY_RULE_ID } from '../../../shared/stages/grouping.ts';

describe('RULE_IDS', () => {
  it('lists the rules the pipeline raises itself, as their stages spell them', () => {
    expect([...PIPELINE_RULE_IDS].sort()).toEqual(
      [FLAPPING_RULE_ID, GROUP_SUMMARY_RULE_ID, OVERFLOW_SUMMARY_RULE_ID, TEST_RULE_ID, DELIVERY_TEST_RULE_ID]
        .filter((id, i, all) => all.indexOf(id) === i)
        .sort(),
    );
  });

  it('lists every catalog rule, the alarm, forged and generic rules, once each', () => {
    for (const id of [
      ...CLOUDTRAIL_RULES.map((r) => r.id),
      ALARM_RULE.id,
      ALARM_RULE_ID,
      FORGED_RULE.id,
      GENERIC_RULE.id,
    ])
      expect(RULE_IDS).toContain(id);
    expect(new Set(RULE_IDS).size).toBe(RULE_IDS.length);
  });
});
