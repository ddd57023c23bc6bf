import { vpcLink } from '../enrich/links.ts';
import type { Severity } from '../events/alert.ts';
import type { CloudTrailRecord } from '../events/cloudtrail.ts';
import type { CloudTrailRule, DetectContext, FindingDraft } from './types.ts';
import { asList, field, isRecord, str } from './values.ts';

/** VPC network changes, CIS 4.10–4.14: security groups, NACLs, gateways, route tables, VPCs and peering. */
const EC2 = 'ec2.amazonaws.com';
const FEED = 'network-changes';

type VpcKind = Parameters<typeof vpcLink>[1];

const KIND_NAMES: Record<VpcKind, string> = {
  'security-group': 'security group',
  'network-acl': 'network ACL',
  'internet-gateway': 'internet gateway',
  'customer-gateway': 'customer gateway',
  'route-table': 'route table',
  vpc: 'VPC',
  'peering-connection': 'VPC peering connection',
};

/** EC2 wraps lists as `{ items: [...] }`; older records and other clients send bare lists or one object. */
function items(v: unknown): unknown[] {
  return isRecord(v) && 'items' in v ? asList(v.items) : asList(v);
}

/** First id found under any of the keys, in the request, then anywhere one level down in the response. */
function findId(record: CloudTrailRecord, keys: readonly string[]): string | undefined {
  for (const k of keys) {
    const v = str(field(record.requestParameters, k));
    if (v) return v;
  }
  const resp = record.responseElements;
  if (!isRecord(resp)) return undefined;
  for (const k of keys) {
    const direct = str(resp[k]);
    if (direct) return direct;
    for (const inner of Object.values(resp)) {
      const v = str(field(inner, k));
      if (v) return v;
    }
  }
  return undefined;
}

/** Any prefix length of 0 covers the whole address space, whatever the address part says. */
export function isOpenCidr(cidr: string): boolean {
  return /\/0+$/.test(cidr.trim());
}

function portText(protocol: unknown, from: unknown, to: unknown): string {
  const p = String(protocol ?? 'tcp');
  if (p === '-1' || p === 'all') return 'all traffic';
  const name = p === '6' ? 'tcp' : p === '17' ? 'udp' : p === '1' ? 'icmp' : p;
  if (name === 'icmp' || name === 'icmpv6') return name;
  const f = typeof from === 'number' || typeof from === 'string' ? String(from) : undefined;
  const t = typeof to === 'number' || typeof to === 'string' ? String(to) : undefined;
  if (f === undefined) return `${name} (all ports)`;
  if (f === '-1' || (f === '0' && t === '65535')) return `${name} all ports`;
  return f === t || t === undefined ? `${name}/${f}` : `${name}/${f}-${t}`;
}

export interface OpenIngress {
  /** "tcp/22 from 0.0.0.0/0" */
  openings: string[];
}

/** Ingress permissions open to the internet, from either request shape EC2 records. */
export function openIngress(requestParameters: unknown): OpenIngress {
  const openings: string[] = [];
  const perms = items(field(requestParameters, 'ipPermissions')).filter(isRecord);
  for (const perm of perms) {
    const ports = portText(perm.ipProtocol, perm.fromPort, perm.toPort);
    for (const r of items(perm.ipRanges)) {
      const c = str(field(r, 'cidrIp'));
      if (c && isOpenCidr(c)) openings.push(`${ports} from ${c}`);
    }
    for (const r of items(perm.ipv6Ranges)) {
      const c = str(field(r, 'cidrIpv6'));
      if (c && isOpenCidr(c)) openings.push(`${ports} from ${c}`);
    }
  }
  // The single-rule form: cidrIp, ipProtocol, fromPort, toPort at the top level.
  const cidr = str(field(requestParameters, 'cidrIp'));
  if (cidr && isOpenCidr(cidr)) {
    openings.push(
      `${portText(field(requestParameters, 'ipProtocol'), field(requestParameters, 'fromPort'), field(requestParameters, 'toPort'))} from ${cidr}`,
    );
  }
  return { openings: [...new Set(openings)] };
}

function sg(record: CloudTrailRecord, ctx: DetectContext): Pick<FindingDraft, 'resource' | 'links'> {
  const id = findId(record, ['groupId']);
  const name = id ?? param(record, 'groupName') ?? 'unknown security group';
  return {
    resource: { type: 'security group', name },
    links: id ? [vpcLink(record.awsRegion ?? ctx.region, 'security-group', id)] : [],
  };
}

function param(record: CloudTrailRecord, key: string): string | undefined {
  return str(field(record.requestParameters, key));
}

export const securityGroupOpenIngress: CloudTrailRule = {
  id: 'security-group-open-ingress',
  title: 'Security group opened to the internet',
  severity: 'high',
  description: 'AuthorizeSecurityGroupIngress from 0.0.0.0/0 or ::/0; the opened ports are named (CIS 4.10).',
  cis: '4.10',
  feed: FEED,
  eventSource: EC2,
  eventNames: ['AuthorizeSecurityGroupIngress'],
  needs: [
    'requestParameters',
    {
      part: 'requestParameters',
      calls: ['AuthorizeSecurityGroupIngress'],
      fields: ['ipPermissions', 'cidrIp'],
    },
  ],
  check(record, ctx) {
    const { openings } = openIngress(record.requestParameters);
    if (openings.length === 0) return null;
    const target = sg(record, ctx);
    return {
      action: `opened security group ${target.resource?.name} to the internet (${openings.join(', ')})`,
      verdict: `Reachable from anywhere now on ${openings.join(', ')}, for every instance or interface in this group.`,
      ...target,
      facts: [{ label: 'Opened', value: openings.join('\n') }],
    };
  },
};

const SG_ACTIONS: Record<string, string> = {
  AuthorizeSecurityGroupIngress: 'added inbound rules to security group',
  AuthorizeSecurityGroupEgress: 'added outbound rules to security group',
  RevokeSecurityGroupIngress: 'removed inbound rules from security group',
  RevokeSecurityGroupEgress: 'removed outbound rules from security group',
  CreateSecurityGroup: 'created security group',
  DeleteSecurityGroup: 'deleted security group',
};

export const securityGroupChanged: CloudTrailRule = {
  id: 'security-group-changed',
  title: 'Security group changed',
  severity: 'low',
  description:
    'Other security group changes: rules not open to the internet, egress, revokes, create/delete (CIS 4.10).',
  cis: '4.10',
  feed: FEED,
  eventSource: EC2,
  eventNames: Object.keys(SG_ACTIONS),
  needs: [
    'requestParameters',
    {
      part: 'requestParameters',
      calls: ['AuthorizeSecurityGroupIngress'],
      fields: ['ipPermissions', 'cidrIp'],
    },
  ],
  check(record, ctx) {
    if (
      record.eventName === 'AuthorizeSecurityGroupIngress' &&
      openIngress(record.requestParameters).openings.length > 0
    )
      return null;
    const target = sg(record, ctx);
    return {
      action: `${SG_ACTIONS[record.eventName] ?? 'changed security group'} ${target.resource?.name}`,
      verdict: 'Not open to the internet.',
      ...target,
    };
  },
};

interface NetworkCall {
  verb: string;
  kind: VpcKind;
  keys: readonly string[];
  severity: Severity;
}

const nacl = (verb: string): NetworkCall => ({
  verb,
  kind: 'network-acl',
  keys: ['networkAclId'],
  severity: 'low',
});
const route = (verb: string): NetworkCall => ({
  verb,
  kind: 'route-table',
  keys: ['routeTableId', 'associationId'],
  severity: 'low',
});
const igw = (verb: string): NetworkCall => ({
  verb,
  kind: 'internet-gateway',
  keys: ['internetGatewayId'],
  severity: 'medium',
});
const cgw = (verb: string): NetworkCall => ({
  verb,
  kind: 'customer-gateway',
  keys: ['customerGatewayId'],
  severity: 'medium',
});
const vpc = (verb: string, severity: Severity = 'low'): NetworkCall => ({
  verb,
  kind: 'vpc',
  keys: ['vpcId'],
  severity,
});
const peering = (verb: string, severity: Severity): NetworkCall => ({
  verb,
  kind: 'peering-connection',
  keys: ['vpcPeeringConnectionId'],
  severity,
});

const NACL_CALLS: Record<string, NetworkCall> = {
  CreateNetworkAcl: nacl('created network ACL'),
  CreateNetworkAclEntry: nacl('added an entry to network ACL'),
  DeleteNetworkAcl: nacl('deleted network ACL'),
  DeleteNetworkAclEntry: nacl('deleted an entry from network ACL'),
  ReplaceNetworkAclEntry: nacl('replaced an entry in network ACL'),
  ReplaceNetworkAclAssociation: nacl('changed the subnet association of network ACL'),
};
const GATEWAY_CALLS: Record<string, NetworkCall> = {
  CreateCustomerGateway: cgw('created customer gateway'),
  DeleteCustomerGateway: cgw('deleted customer gateway'),
  AttachInternetGateway: igw('attached internet gateway'),
  CreateInternetGateway: igw('created internet gateway'),
  DeleteInternetGateway: igw('deleted internet gateway'),
  DetachInternetGateway: igw('detached internet gateway'),
};
const ROUTE_CALLS: Record<string, NetworkCall> = {
  CreateRoute: route('added a route to route table'),
  CreateRouteTable: route('created route table'),
  ReplaceRoute: route('replaced a route in route table'),
  ReplaceRouteTableAssociation: route('changed the association of route table'),
  DeleteRouteTable: route('deleted route table'),
  DeleteRoute: route('deleted a route from route table'),
  DisassociateRouteTable: route('disassociated route table'),
  AssociateRouteTable: route('associated route table'),
};
const VPC_CALLS: Record<string, NetworkCall> = {
  CreateVpc: vpc('created VPC'),
  DeleteVpc: vpc('deleted VPC'),
  ModifyVpcAttribute: vpc('changed attributes of VPC'),
  AcceptVpcPeeringConnection: peering('accepted VPC peering connection', 'medium'),
  CreateVpcPeeringConnection: peering('requested VPC peering connection', 'medium'),
  DeleteVpcPeeringConnection: peering('deleted VPC peering connection', 'low'),
  RejectVpcPeeringConnection: peering('rejected VPC peering connection', 'low'),
  AttachClassicLinkVpc: vpc('linked an EC2-Classic instance to VPC', 'medium'),
  DetachClassicLinkVpc: vpc('unlinked an EC2-Classic instance from VPC'),
  DisableVpcClassicLink: vpc('disabled ClassicLink on VPC'),
  EnableVpcClassicLink: vpc('enabled ClassicLink on VPC', 'medium'),
};

function networkDraft(
  record: CloudTrailRecord,
  ctx: DetectContext,
  call: NetworkCall | undefined,
  verdict: string,
): FindingDraft {
  const c = call ?? vpc('changed');
  const id = findId(record, c.keys);
  return {
    action: `${c.verb} ${id ?? ''}`.trim(),
    severity: c.severity,
    verdict,
    ...(id
      ? {
          resource: { type: KIND_NAMES[c.kind], name: id },
          links: [vpcLink(record.awsRegion ?? ctx.region, c.kind, id)],
        }
      : {}),
  };
}

export const networkAclChanged: CloudTrailRule = {
  id: 'network-acl-changed',
  title: 'Network ACL changed',
  severity: 'medium',
  description: 'NACL changes (CIS 4.11): low; an inbound allow entry from 0.0.0.0/0 or ::/0 is medium.',
  cis: '4.11',
  feed: FEED,
  eventSource: EC2,
  eventNames: Object.keys(NACL_CALLS),
  needs: ['requestParameters'],
  check(record, ctx) {
    const draft = networkDraft(record, ctx, NACL_CALLS[record.eventName], 'Check which subnets it guards.');
    const rp = record.requestParameters;
    const cidr = str(field(rp, 'cidrBlock')) ?? str(field(rp, 'ipv6CidrBlock'));
    const egress = field(rp, 'egress');
    const allow = str(field(rp, 'ruleAction')) === 'allow';
    if (allow && cidr && isOpenCidr(cidr) && egress !== true && egress !== 'true') {
      const range = field(rp, 'portRange');
      const ports = portText(field(rp, 'aclProtocol'), field(range, 'from'), field(range, 'to'));
      return {
        ...draft,
        action: `${draft.action}: allow ${ports} from ${cidr}`,
        severity: 'medium',
        verdict: `Subnets behind this ACL accept ${ports} from anywhere (security groups still apply).`,
        facts: [
          {
            label: 'Entry',
            value: `rule ${String(field(rp, 'ruleNumber') ?? '?')}: allow ${ports} from ${cidr}`,
          },
        ],
      };
    }
    return draft;
  },
};

export const networkGatewayChanged: CloudTrailRule = {
  id: 'network-gateway-changed',
  title: 'Network gateway changed',
  severity: 'medium',
  description: 'Internet and customer gateways created, deleted, attached or detached (CIS 4.12).',
  cis: '4.12',
  feed: FEED,
  eventSource: EC2,
  eventNames: Object.keys(GATEWAY_CALLS),
  check(record, ctx) {
    const draft = networkDraft(
      record,
      ctx,
      GATEWAY_CALLS[record.eventName],
      record.eventName === 'AttachInternetGateway'
        ? 'The VPC can now route to and from the internet.'
        : 'A path into or out of the network changed: confirm it was planned.',
    );
    const vpcId = param(record, 'vpcId');
    return vpcId ? { ...draft, facts: [{ label: 'VPC', value: vpcId }] } : draft;
  },
};

export const routeTableChanged: CloudTrailRule = {
  id: 'route-table-changed',
  title: 'Route table changed',
  severity: 'low',
  description: 'Routes and route table associations (CIS 4.13).',
  cis: '4.13',
  feed: FEED,
  eventSource: EC2,
  eventNames: Object.keys(ROUTE_CALLS),
  check(record, ctx) {
    const draft = networkDraft(
      record,
      ctx,
      ROUTE_CALLS[record.eventName],
      'Traffic may take a different path.',
    );
    const dest = param(record, 'destinationCidrBlock') ?? param(record, 'destinationIpv6CidrBlock');
    const target =
      param(record, 'gatewayId') ??
      param(record, 'natGatewayId') ??
      param(record, 'instanceId') ??
      param(record, 'vpcPeeringConnectionId') ??
      param(record, 'transitGatewayId') ??
      param(record, 'networkInterfaceId');
    if (!dest) return draft;
    return {
      ...draft,
      facts: [{ label: 'Route', value: `${dest}${target ? ` → ${target}` : ''}` }],
    };
  },
};

export const vpcChanged: CloudTrailRule = {
  id: 'vpc-changed',
  title: 'VPC or peering changed',
  severity: 'medium',
  description:
    'VPCs, VPC attributes, peering and ClassicLink (CIS 4.14); peering requests/acceptances and ClassicLink links are medium.',
  cis: '4.14',
  feed: FEED,
  eventSource: EC2,
  eventNames: Object.keys(VPC_CALLS),
  check(record, ctx) {
    const draft = networkDraft(
      record,
      ctx,
      VPC_CALLS[record.eventName],
      record.eventName.includes('Peering')
        ? 'Two networks may now reach each other: confirm the peer is yours.'
        : 'Network boundary changed: confirm it was planned.',
    );
    const peer = param(record, 'peerOwnerId');
    const peerVpc = param(record, 'peerVpcId');
    const facts = [];
    if (peer) facts.push({ label: 'Peer account', value: peer });
    if (peerVpc) facts.push({ label: 'Peer VPC', value: peerVpc });
    const vpcId = param(record, 'vpcId');
    if (vpcId && draft.resource?.name !== vpcId) facts.push({ label: 'VPC', value: vpcId });
    return facts.length > 0 ? { ...draft, facts } : draft;
  },
};

export const NETWORK_RULES: readonly CloudTrailRule[] = [
  securityGroupOpenIngress,
  securityGroupChanged,
  networkAclChanged,
  networkGatewayChanged,
  routeTableChanged,
  vpcChanged,
];
