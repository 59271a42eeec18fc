// "@dagger.io/dagger/telemetry": the tracer of the SDK library.
export { getTracer } from "./core.js"
