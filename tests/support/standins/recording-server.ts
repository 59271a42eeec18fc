import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from "node:http";
import { createServer as createTlsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";

/** One request as a stand-in received it. */
export interface RecordedRequest {
  readonly method: string;
  /** Path and query, as sent. */
  readonly url: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Body bytes, gunzipped when sent with `Content-Encoding: gzip`. */
  readonly body: Buffer;
}

/** What a route handler answers. */
export interface StandinResponse {
  readonly status: number;
  readonly body?: unknown;
  /** `text/plain` bodies are sent as-is; anything else as JSON. @default "application/json" */
  readonly contentType?: string;
}

/** Answers one request, or `undefined` to let the server answer 404. */
export type StandinHandler = (
  request: RecordedRequest,
) => StandinResponse | undefined | Promise<StandinResponse | undefined>;

/** A local HTTP server that records every request before answering it. */
export interface RecordingServer {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Requests that would change state on the real service (anything but GET/HEAD), minus `except` paths. */
  writes(except?: readonly string[]): RecordedRequest[];
  close(): Promise<void>;
}

/** Where a stand-in listens. */
export interface Listen {
  /** Loopback, or the engine's bridge address (tests/support/rig-network.ts) for a container to reach. @default "127.0.0.1" */
  readonly host?: string;
  /**
   * HTTPS with the engine rig's stand-in certificate ($RIG_STANDIN_TLS_DIR, signed by a CA the engine and its
   * containers trust): what the pipeline requires of any service off loopback. @default false
   */
  readonly tls?: boolean;
}

/** Starts a recording stand-in on a free port. */
export async function startRecordingServer(handler: StandinHandler, listen: Listen = {}): Promise<RecordingServer> {
  const host = listen.host ?? "127.0.0.1";
  const requests: RecordedRequest[] = [];
  const respond: RequestListener = (req, res) => {
    void collect(req).then(async (raw) => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const body = req.headers["content-encoding"] === "gzip" && raw.length > 0 ? gunzipSync(raw) : raw;
      const recorded: RecordedRequest = {
        method: req.method ?? "GET",
        url: req.url ?? "/",
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
      };
      requests.push(recorded);
      try {
        const answer = (await handler(recorded)) ?? { status: 404, body: { message: "Not Found" } };
        send(res, answer);
      } catch (error) {
        send(res, { status: 500, body: { message: (error as Error).message } });
      }
    });
  };
  const server = listen.tls ? createTlsServer(standinCertificate(), respond) : createServer(respond);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${listen.tls ? "https" : "http"}://${host}:${port}`,
    requests,
    writes: (except = []) =>
      requests.filter((r) => r.method !== "GET" && r.method !== "HEAD" && !except.includes(r.path)),
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}

function standinCertificate(): { cert: Buffer; key: Buffer } {
  const dir = process.env.RIG_STANDIN_TLS_DIR;
  if (!dir)
    throw new Error('RIG_STANDIN_TLS_DIR is not set: run tests/e2e/rig/up, then eval "$(tests/e2e/rig/env.sh)"');
  return { cert: readFileSync(`${dir}/standin.crt`), key: readFileSync(`${dir}/standin.key`) };
}

function collect(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, answer: StandinResponse): void {
  const type = answer.contentType ?? "application/json";
  const payload =
    answer.body === undefined ? "" : type.startsWith("text/") ? String(answer.body) : JSON.stringify(answer.body);
  res.writeHead(answer.status, { "Content-Type": type });
  res.end(payload);
}

/** The bearer/token credential a request carried, or `undefined`. */
export function credentialOf(request: RecordedRequest): string | undefined {
  const header = request.headers["authorization"];
  const value = Array.isArray(header) ? header[0] : header;
  return value?.replace(/^(token|bearer)\s+/i, "");
}
