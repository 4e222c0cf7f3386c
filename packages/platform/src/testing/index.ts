export * from './client';
export * from './processes';
export * from './stack';
