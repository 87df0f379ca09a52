export * from './client-ip';
export * from './rate-limits';
export * from './content-type';
