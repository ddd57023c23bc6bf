import {
  ERROR_FILTER_PATTERN,
  errorSignature,
  groupErrors,
  matchesErrorPattern,
  parseLambdaLine,
} from '../../../shared/evidence/log-errors.ts';

const REQ = '3f0c2c2a-1b2c-4d5e-8f90-123456789abc';
const REQ2 = '79b4f56e-95b1-4643-9700-2807f4e68189';

/** Lambda's own line shapes, as the Node.js, Python and Java runtimes and the platform write them. */
const NODE_INVOKE_ERROR = (req: string) =>
  `2026-11-20T09:14:03.120Z\t${req}\tERROR\tInvoke Error \t{"errorType":"TypeError","errorMessage":"Cannot read properties of undefined (reading 'id')","stack":["TypeError: Cannot read properties of undefined (reading 'id')","    at Runtime.handler (file:///var/task/index.mjs:3:20)"]}`;
const NODE_CONSOLE_ERROR = `2026-11-20T09:14:04.001Z\t${REQ}\tERROR\tpayment declined for order 'ord_8f7a6b5c' after 12345 ms`;
const NODE_JSON = `{"timestamp":"2026-11-20T09:14:05.000Z","level":"ERROR","requestId":"${REQ2}","message":"Invoke Error","errorType":"Error","errorMessage":"connect ECONNREFUSED 10.0.0.12:5432","stackTrace":["Error: connect ECONNREFUSED"]}`;
const PYTHON_LOGGED = `[ERROR]\t2026-11-20T09:14:06.500Z\t${REQ}\tupstream returned 503 for request 4f9a2b7c81d3e6f0`;
const PYTHON_UNCAUGHT = `[ERROR] KeyError: 'customer_id'\nTraceback (most recent call last):\n  File "/var/task/app.py", line 12, in handler\n    return event['customer_id']`;
const PYTHON_JSON = `{"timestamp": "2026-11-20T09:14:07Z", "level": "ERROR", "message": "boom", "logger": "root", "requestId": "${REQ}", "errorType": "ValueError", "errorMessage": "invalid literal for int() with base 10: 'abc'", "stackTrace": ["  File x"]}`;
const JAVA = `java.lang.IllegalStateException: Connection pool exhausted\n\tat com.example.Db.get(Db.java:42)`;
const TIMEOUT = `2026-11-20T09:14:15.123Z ${REQ} Task timed out after 3.00 seconds`;
const RUNTIME_EXIT = `RequestId: ${REQ} Error: Runtime exited with error: signal: killed\nRuntime.ExitError`;
const PLATFORM_JSON = `{"time":"2026-11-20T09:14:20.000Z","type":"platform.report","record":{"requestId":"${REQ}","status":"timeout","metrics":{"durationMs":3000}}}`;

describe('ERROR_FILTER_PATTERN', () => {
  it('ORs case-sensitive terms, phrases in double quotes', () => {
    expect(ERROR_FILTER_PATTERN).toBe(
      '?ERROR ?errorType ?Exception ?Traceback ?"Task timed out" ?"Runtime exited" ?"Runtime.ExitError"',
    );
  });

  it.each([
    NODE_INVOKE_ERROR(REQ),
    NODE_CONSOLE_ERROR,
    NODE_JSON,
    PYTHON_LOGGED,
    PYTHON_UNCAUGHT,
    PYTHON_JSON,
    JAVA,
    TIMEOUT,
    RUNTIME_EXIT,
  ])('catches %s', (line) => {
    expect(matchesErrorPattern(line)).toBe(true);
  });

  it('passes over INFO lines and the platform START/END/REPORT lines', () => {
    expect(matchesErrorPattern(`2026-11-20T09:14:03.120Z\t${REQ}\tINFO\torder accepted`)).toBe(false);
    expect(matchesErrorPattern(`START RequestId: ${REQ} Version: $LATEST`)).toBe(false);
    expect(matchesErrorPattern(`REPORT RequestId: ${REQ}\tDuration: 12.3 ms`)).toBe(false);
    // Case sensitive, as CloudWatch is.
    expect(matchesErrorPattern('an error happened')).toBe(false);
  });
});

describe('parseLambdaLine', () => {
  it.each([
    [
      'Node "Invoke Error" with its error object',
      NODE_INVOKE_ERROR(REQ),
      "TypeError: Cannot read properties of undefined (reading 'id')",
      REQ,
    ],
    [
      'Node console.error',
      NODE_CONSOLE_ERROR,
      "payment declined for order 'ord_8f7a6b5c' after 12345 ms",
      REQ,
    ],
    ['Node JSON log format', NODE_JSON, 'Error: connect ECONNREFUSED 10.0.0.12:5432', REQ2],
    ['Python logging', PYTHON_LOGGED, 'upstream returned 503 for request 4f9a2b7c81d3e6f0', REQ],
    [
      'an uncaught Python exception with its traceback',
      PYTHON_UNCAUGHT,
      "KeyError: 'customer_id'",
      undefined,
    ],
    ['Python JSON log format', PYTHON_JSON, "ValueError: invalid literal for int() with base 10: 'abc'", REQ],
    ['a Java exception', JAVA, 'java.lang.IllegalStateException: Connection pool exhausted', undefined],
    ['a timeout', TIMEOUT, 'Task timed out after 3.00 seconds', REQ],
    ['a runtime exit', RUNTIME_EXIT, 'Runtime exited with error: signal: killed (Runtime.ExitError)', REQ],
    ['a platform event in JSON format', PLATFORM_JSON, 'Lambda report: status timeout', REQ],
  ])('reads %s', (_kind, line, text, requestId) => {
    expect(parseLambdaLine(line)).toEqual({ text, requestId });
  });

  it('reads only the head of a 1 MB line, and fast', () => {
    const huge = `2026-11-20T09:14:03.120Z\t${REQ}\tERROR\tboom ${'x'.repeat(1024 * 1024)}`;
    const started = Date.now();
    const parsed = parseLambdaLine(huge);
    expect(Date.now() - started).toBeLessThan(500);
    expect(parsed.text.startsWith('boom xxx')).toBe(true);
    expect(parsed.text.length).toBeLessThanOrEqual(2000);
  });

  it('takes a 1 MB JSON line it cannot parse whole as text', () => {
    const huge = `{"level":"ERROR","errorType":"Error","errorMessage":"${'y'.repeat(1024 * 1024)}"}`;
    expect(parseLambdaLine(huge).text.startsWith('{"level":"ERROR"')).toBe(true);
  });
});

describe('errorSignature', () => {
  it('takes out request ids, times, long numbers, hex ids and quoted ids', () => {
    expect(
      errorSignature(
        `order 'ord_8f7a6b5c' failed at 2026-11-20T09:14:03.120Z for ${REQ} after 12345 ms (trace 4f9a2b7c81d3e6f0)`,
      ),
    ).toBe("order '<id>' failed at <time> for <id> after <n> ms (trace <hex>)");
  });

  it('is the same for lines that differ only in a secret', () => {
    expect(errorSignature('login failed password=hunter2')).toBe(
      errorSignature('login failed password=letmein'),
    );
  });

  it('keeps what names the error: quoted words, short numbers', () => {
    expect(errorSignature("KeyError: 'customer_id'")).toBe("KeyError: 'customer_id'");
    expect(errorSignature('upstream returned 503')).toBe('upstream returned 503');
  });
});

describe('groupErrors', () => {
  it('counts but does not group the lines past its time budget', () => {
    let clock = 0;
    const events = Array.from({ length: 1000 }, (_, i) => ({
      timestamp: i,
      message: `ERROR failure ${i % 7}`,
    }));
    const result = groupErrors(events, {
      until: 10,
      now: () => {
        clock += 1;
        return clock;
      },
    });
    expect(result.lines).toBe(1000);
    expect(result.ungrouped).toBeGreaterThan(0);
    expect(result.ungrouped).toBeLessThan(1000);
    expect(result.groups.reduce((n, g) => n + g.count, 0) + result.ungrouped).toBe(1000);
  });

  it('counts one error per cause, most frequent first, with its first time and text', () => {
    const at = (s: number) => Date.parse('2026-11-20T09:14:00Z') + s * 1000;
    const { groups, lines } = groupErrors([
      { timestamp: at(30), message: NODE_INVOKE_ERROR(REQ2) },
      { timestamp: at(5), message: NODE_INVOKE_ERROR(REQ) },
      { timestamp: at(10), message: TIMEOUT },
      { timestamp: at(12), message: NODE_INVOKE_ERROR('0b7d3c1e-2f4a-4b6c-8d9e-0a1b2c3d4e5f') },
      { timestamp: at(1), message: `2026-11-20T09:14:01.000Z\t${REQ}\tINFO\tfine` },
    ]);
    expect(lines).toBe(4);
    expect(groups).toEqual([
      {
        signature: "TypeError: Cannot read properties of undefined (reading 'id')",
        count: 3,
        firstMs: at(5),
        text: "TypeError: Cannot read properties of undefined (reading 'id')",
      },
      {
        signature: 'Task timed out after 3.00 seconds',
        count: 1,
        firstMs: at(10),
        text: 'Task timed out after 3.00 seconds',
      },
    ]);
  });

  it('groups 10,000 lines in well under a second', () => {
    const events = Array.from({ length: 10_000 }, (_, i) => ({
      timestamp: i,
      message:
        i % 3 === 0
          ? `2026-11-20T09:14:03.120Z\tid-${i}\tERROR\tpayment ${i + 10_000} declined`
          : i % 3 === 1
            ? TIMEOUT
            : PYTHON_UNCAUGHT,
    }));
    const started = Date.now();
    const { groups, lines } = groupErrors(events);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(lines).toBe(10_000);
    expect(groups.map((g) => [g.signature, g.count])).toEqual([
      ['payment <n> declined', 3334],
      ['Task timed out after 3.00 seconds', 3333],
      ["KeyError: 'customer_id'", 3333],
    ]);
  });
});
