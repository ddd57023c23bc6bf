'use strict';
// One Lambda invocation of a built bundle, in a process of its own as the nodejs22.x runtime gives it:
// require() the handler module (the init phase), call the export with the event and a context, report
// what Lambda would report (the result, or errorType and errorMessage), then end the process the way
// Lambda freezes it, whatever timers are still pending (Middy's SSM refresh, the SDK's sockets).
// CommonJS and plain JavaScript, like the bundles it loads; the AWS SDK comes from NODE_PATH, as the
// runtime's comes from /var/runtime/node_modules.
//
// Usage: node invoke.cjs <bundle.cjs> <export> <event.json> <result.json> <timeout seconds> <function ARN>
const { randomUUID } = require('node:crypto');
const { readFileSync, writeFileSync } = require('node:fs');
const net = require('node:net');

const [bundle, exportName, eventFile, resultFile, timeoutSeconds, functionArn] = process.argv.slice(2);
if (!bundle || !exportName || !eventFile || !resultFile || !timeoutSeconds || !functionArn) {
  process.stderr.write(
    'usage: invoke.cjs <bundle.cjs> <export> <event.json> <result.json> <timeout s> <arn>\n',
  );
  process.exit(2);
}

const name = process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'unknown';
const deadline = Date.now() + Number(timeoutSeconds) * 1000;
const context = {
  callbackWaitsForEmptyEventLoop: true,
  functionName: name,
  functionVersion: '$LATEST',
  invokedFunctionArn: functionArn,
  memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? '256',
  awsRequestId: randomUUID(),
  logGroupName: `/aws/lambda/${name}`,
  logStreamName: `local/[$LATEST]${randomUUID().replaceAll('-', '')}`,
  getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  done: () => {},
  fail: () => {},
  succeed: () => {},
};

// Nothing the function does may leave this machine: every TCP connection (http, https, fetch, the
// SDK's) goes through net.Socket#connect, which here refuses any host but 127.0.0.1 and notes it.
const refused = [];
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const options = typeof first === 'object' && first !== null ? first : { port: first, host: args[1] };
  const host = options.host ?? 'localhost';
  if (options.path === undefined && host !== '127.0.0.1') {
    refused.push(`${host}:${options.port}`);
    process.nextTick(() =>
      this.destroy(new Error(`the emulator tier connects to 127.0.0.1 only, not ${host}`)),
    );
    return this;
  }
  return connect.apply(this, args);
};

function report(outcome) {
  writeFileSync(resultFile, JSON.stringify({ ...outcome, refusedConnections: refused }));
  process.exit(0);
}

// Lambda reports an error's name and message only. What caused it (Middy puts the SDK's errors in
// `cause.data`) is reported apart, so a test can tell why a function failed without pretending an
// operator would read it in Lambda's error.
const CAUSE_DEPTH = 5;
function causesOf(value, depth = 0) {
  if (depth > CAUSE_DEPTH || value === undefined || value === null) return [];
  if (value instanceof Error) {
    return [`${value.name}: ${value.message}`, ...causesOf(value.cause, depth + 1)];
  }
  if (typeof value === 'object' && Array.isArray(value.data)) {
    return value.data.flatMap((item) => causesOf(item, depth + 1));
  }
  return [String(value)];
}

function failure(phase, error) {
  const isError = error instanceof Error;
  return {
    ok: false,
    phase,
    errorType: isError ? error.name : typeof error,
    errorMessage: isError ? error.message : String(error),
    causes: isError ? causesOf(error.cause) : [],
  };
}

let handler;
try {
  handler = require(bundle)[exportName];
} catch (error) {
  report(failure('init', error));
}
if (typeof handler !== 'function') report(failure('init', new Error(`${bundle} exports no ${exportName}`)));

const timer = setTimeout(
  () => report(failure('invoke', new Error(`Task timed out after ${timeoutSeconds} seconds`))),
  Math.max(0, deadline - Date.now()),
);
Promise.resolve()
  .then(() => handler(JSON.parse(readFileSync(eventFile, 'utf8')), context))
  .then(
    (result) => {
      clearTimeout(timer);
      report({ ok: true, result: result === undefined ? null : result });
    },
    (error) => {
      clearTimeout(timer);
      report(failure('invoke', error));
    },
  );
