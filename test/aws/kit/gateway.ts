import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';

/** One AWS API call a function made, as it reached the emulator. */
export interface AwsCall {
  /** The signing access key: who made the call (each function runs with its own role's key). */
  accessKeyId: string;
  /** IAM's name for it: `ssm:GetParameters`, `sns:Publish`… */
  action: string;
  /** The request's parameters: the JSON body, or the form fields of a query-protocol call. */
  params: unknown;
  status: number;
}

export interface Gateway {
  endpoint: string;
  calls: AwsCall[];
  close(): Promise<void>;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Signing names that differ from the IAM prefix: CloudWatch signs as `monitoring`
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html names the prefix).
 */
const IAM_PREFIX: Readonly<Record<string, string>> = { monitoring: 'cloudwatch' };

/** `AWS4-HMAC-SHA256 Credential=AKID/20261204/eu-west-1/ssm/aws4_request, …` → AKID and ssm. */
function signer(headers: IncomingHttpHeaders): { accessKeyId: string; service: string } | undefined {
  const match = /Credential=([^/]+)\/[^/]+\/[^/]+\/([^/]+)\//.exec(header(headers, 'authorization') ?? '');
  if (!match?.[1] || !match[2]) return undefined;
  return { accessKeyId: match[1], service: IAM_PREFIX[match[2]] ?? match[2] };
}

function isJsonProtocol(headers: IncomingHttpHeaders): boolean {
  return (header(headers, 'content-type') ?? '').startsWith('application/x-amz-json');
}

/** The operation: X-Amz-Target for the JSON protocols, the Action field for the query protocol. */
function describe(headers: IncomingHttpHeaders, body: string): { operation: string; params: unknown } {
  if (isJsonProtocol(headers)) {
    const target = header(headers, 'x-amz-target') ?? '';
    return {
      operation: target.slice(target.lastIndexOf('.') + 1),
      params: body === '' ? {} : JSON.parse(body),
    };
  }
  const form = Object.fromEntries(new URLSearchParams(body));
  return { operation: form.Action ?? '', params: form };
}

/**
 * moto answers an IAM denial in XML even to the JSON protocols (SSM, DynamoDB, EventBridge, SQS),
 * which the SDK then fails to parse ("Unexpected token '<'"), hiding the denial. AWS answers those
 * services in JSON with `__type` AccessDeniedException (e.g.
 * https://docs.aws.amazon.com/systems-manager/latest/APIReference/CommonErrors.html): re-encode it so,
 * so the function sees the error it would see in AWS.
 */
function reencodeDenial(
  requestHeaders: IncomingHttpHeaders,
  status: number,
  body: Buffer,
): { headers: Record<string, string>; body: Buffer } | undefined {
  if (status !== 403 || !isJsonProtocol(requestHeaders)) return undefined;
  const text = body.toString('utf8');
  if (!/<Code>AccessDenied<\/Code>/.test(text)) return undefined;
  const message = /<Message>([\s\S]*?)<\/Message>/.exec(text)?.[1] ?? 'Access denied';
  return {
    headers: {
      'content-type': header(requestHeaders, 'content-type') ?? 'application/x-amz-json-1.1',
      'x-amzn-errortype': 'AccessDeniedException',
    },
    body: Buffer.from(JSON.stringify({ __type: 'AccessDeniedException', message })),
  };
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length']);

/**
 * A pass-through on 127.0.0.1 between the bundles and moto that writes down every call (who, what, on
 * which resource) so the tier can check each one against the caller's deployed policy; moto checks
 * actions but, except for SQS, not resources. The request goes on byte for byte with its Host header,
 * so moto verifies the SigV4 signature the SDK computed.
 */
export async function startGateway(motoEndpoint: string): Promise<Gateway> {
  const target = new URL(motoEndpoint);
  const calls: AwsCall[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const forward = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, 'content-length': String(body.length) },
        },
        (upstream) => {
          const parts: Buffer[] = [];
          upstream.on('data', (c: Buffer) => parts.push(c));
          upstream.on('end', () => {
            const status = upstream.statusCode ?? 502;
            let out: Buffer = Buffer.concat(parts);
            const headers: Record<string, string> = {};
            for (const [k, v] of Object.entries(upstream.headers)) {
              if (v !== undefined && !HOP_BY_HOP.has(k)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
            }
            const denial = reencodeDenial(req.headers, status, out);
            if (denial) {
              Object.assign(headers, denial.headers);
              out = denial.body;
            }
            const who = signer(req.headers);
            if (who) {
              const { operation, params } = describe(req.headers, body.toString('utf8'));
              calls.push({
                accessKeyId: who.accessKeyId,
                action: `${who.service}:${operation}`,
                params,
                status,
              });
            }
            headers['content-length'] = String(out.length);
            res.writeHead(status, headers).end(out);
          });
        },
      );
      forward.on('error', (e) => res.writeHead(502).end(`gateway: ${e.message}`));
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the gateway has no TCP port');
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
