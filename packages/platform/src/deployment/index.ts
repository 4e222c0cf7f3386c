// The local deployment: which services run, on which ports, with which heap limits and environment,
// and how they are started and kept running. Used by `npm start`, the benchmark and the test harness.
export * from './processes';
export * from './services';
export * from './stack';
export * from './supervisor';
