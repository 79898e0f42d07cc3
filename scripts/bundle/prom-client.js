// prom-client as the bundle takes it (scripts/build-bundle.ts): what src/ imports from it, from
// the package's own files. Its index also loads the Pushgateway (node:http, node:https,
// node:zlib) and the cluster aggregator (node:cluster), which the gateway never uses, and
// metrics are on the door path: about 20 ms of CPU before the doors (BENCHMARKS.md). A name
// src/ takes that is missing here fails the build.
export { default as Counter } from 'prom-client/lib/counter.js';
export { default as collectDefaultMetrics } from 'prom-client/lib/defaultMetrics.js';
export { default as Gauge } from 'prom-client/lib/gauge.js';
export { default as Histogram } from 'prom-client/lib/histogram.js';
export { default as Registry } from 'prom-client/lib/registry.js';
