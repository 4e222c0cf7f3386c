export * from './client';
export * from './eventually';
// Test stacks are local deployments: the harness re-exports that module rather than owning it.
export * from '../deployment';
export * from './kafka';
export * from './mailbox';
export * from './rank-correlation';
export * from './router-client';
