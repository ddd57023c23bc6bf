export * from './email.ts';
export * from './email-sender.ts';
export * from './errors.ts';
export * from './http.ts';
export * from './limits.ts';
export * from './pagerduty.ts';
export * from './slack.ts';
export * from './text.ts';
