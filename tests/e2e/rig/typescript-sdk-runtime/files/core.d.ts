// Declarations of what core.js (the bundled SDK library) exports to index.ts and
// telemetry.ts, so the TypeScript checker can follow a module's imports.
export type ConnectOpts = { Workdir?: string; LogOutput?: unknown }
export type CallbackFct = (client: unknown) => Promise<void>
export function connection(cb: () => Promise<void>, opts?: ConnectOpts): Promise<void>
export function connect(cb: CallbackFct, opts?: ConnectOpts): Promise<void>
export class Context {}
export type ArgumentOptions = { defaultPath?: string; defaultAddress?: string; ignore?: string[] }
export type FunctionOptions = { alias?: string; cache?: string }
export function func(opts?: string | FunctionOptions): MethodDecorator
export function check(): MethodDecorator
export function generate(): MethodDecorator
export function argument(opts?: ArgumentOptions): ParameterDecorator
export function object(): ClassDecorator
export function field(alias?: string): PropertyDecorator
export function enumType(): ClassDecorator
export function entrypoint(files: string[]): Promise<void>
export function getTracer(name?: string): unknown
