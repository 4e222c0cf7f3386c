// CPU profile of a service process for `BENCH_PROFILE=<service,...> npm run bench`.
// Node 20 refuses --cpu-prof in NODE_OPTIONS, so the bench preloads this file instead
// (NODE_OPTIONS=--require bench/cpu-profile.cjs): it starts V8's sampling profiler through the
// in-process inspector and writes KO_CPU_PROFILE_DIR/<name>-<pid>.cpuprofile when the process
// exits (the same-thread inspector session answers synchronously, so 'exit' is late enough).
// Open the file in Chrome DevTools (Performance) or speedscope.
'use strict';
const inspector = require('node:inspector');
const fs = require('node:fs');
const path = require('node:path');

const dir = process.env.KO_CPU_PROFILE_DIR;
if (dir) {
  const session = new inspector.Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 500 });
  session.post('Profiler.start');
  process.on('exit', () => {
    session.post('Profiler.stop', (error, result) => {
      if (error || !result) return;
      fs.mkdirSync(dir, { recursive: true });
      const name = process.env.KO_CPU_PROFILE_NAME || 'node';
      fs.writeFileSync(
        path.join(dir, `${name}-${process.pid}.cpuprofile`),
        JSON.stringify(result.profile),
      );
    });
  });
}
