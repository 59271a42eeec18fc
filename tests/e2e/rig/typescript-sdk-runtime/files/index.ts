// The "@dagger.io/dagger" a module imports: the SDK library (core.js) plus the
// client generated for this module's schema.
export {
  argument,
  check,
  connect,
  connection,
  Context,
  entrypoint,
  enumType,
  field,
  func,
  generate,
  object,
} from "./core.js"
export type { CallbackFct, ConnectOpts } from "./core.js"
export * from "./client.gen.js"
