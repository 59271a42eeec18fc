/**
 * Real HTTP servers on loopback for the deploy tests: a stand-in for the deployed service (what the smoke checks
 * call) and a stand-in Slack webhook. Both record what they received.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** A running loopback server and what it saw. */
export interface LoopbackServer {
  readonly url: string;
  readonly requests: { method: string; path: string; body: string }[];
  close(): Promise<void>;
}

/** Starts a server on 127.0.0.1 (random port) answering with `respond(path)`. */
export async function startServer(
  respond: (path: string, body: string) => { status: number; body?: unknown },
): Promise<LoopbackServer> {
  const requests: LoopbackServer["requests"] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    req.on("end", () => {
      const path = req.url ?? "/";
      requests.push({ method: req.method ?? "GET", path, body });
      const answer = respond(path, body);
      res.writeHead(answer.status, { "content-type": "application/json" });
      res.end(answer.body === undefined ? "" : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The auth service's public endpoints: `/health`, `/ready` (status configurable) and `/` reporting `version()`. */
export function startServiceStandIn(options: {
  version: () => string;
  readyStatus?: () => number;
  healthStatus?: () => number;
}): Promise<LoopbackServer> {
  return startServer((path) => {
    if (path === "/health") return { status: options.healthStatus?.() ?? 200, body: { status: "healthy" } };
    if (path === "/ready") {
      const status = options.readyStatus?.() ?? 200;
      return { status, body: { status: status === 200 ? "ready" : "not ready" } };
    }
    if (path === "/") return { status: 200, body: { service: "fm-auth-service", version: options.version() } };
    return { status: 404, body: { detail: "Not Found" } };
  });
}
