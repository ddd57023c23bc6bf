import { parseServerlessRules } from '../../../shared/eventbridge/serverless.ts';

describe('parseServerlessRules', () => {
  it('resolves serverless.yml variables inside pattern values', () => {
    /** serverless.yml's `${…}` variable syntax. */
    const ref = (name: string) => `\${${name}}`;
    const [rule] = parseServerlessRules(
      [
        'service: svc',
        'custom:',
        `  prefix: ${ref('self:service')}-${ref('sls:stage')}`,
        'functions:',
        '  f:',
        '    handler: h.handler',
        '    events:',
        '      - eventBridge:',
        '          name: r',
        '          pattern:',
        '            detail:',
        `              name: [prefix: "${ref('self:custom.prefix')}-"]`,
        `              "${ref('not:a-key')}": [x]`,
      ].join('\n'),
      { stage: 'qa' },
    );
    expect(rule?.pattern).toEqual({ detail: { name: [{ prefix: 'svc-qa-' }], [ref('not:a-key')]: ['x'] } });
  });
});
