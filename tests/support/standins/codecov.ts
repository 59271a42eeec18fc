import { startRecordingServer, type RecordingServer, type Listen } from "./recording-server.js";

/**
 * Stand-in for Codecov's upload API as codecov-cli speaks it (Codecov is unreachable here): create the commit,
 * create the report, create the upload (answering a pre-signed storage URL on this same server), then
 * `PUT /storage/<id>?signature` with the report. Every call but the PUT must carry `Authorization: token <token>`.
 */
export interface CodecovStandin extends RecordingServer {
  /** Stored uploads by storage id, as sent (JSON with the base64+zlib coverage files). */
  readonly stored: Map<string, string>;
}

const UPLOAD_PATH =
  /^\/upload\/github\/([^/]+)::::([^/]+)\/commits(?:\/([0-9a-f]{40})\/reports(\/default\/uploads)?)?$/;

export async function startCodecovStandin(options: { token: string; listen?: Listen }): Promise<CodecovStandin> {
  const stored = new Map<string, string>();
  const pending = new Set<string>();
  let counter = 0;
  let self = "";
  const server = await startRecordingServer((req) => {
    const route = UPLOAD_PATH.exec(req.path);
    if (req.method === "POST" && route) {
      if (req.headers["authorization"] !== `token ${options.token}`)
        return { status: 401, body: { detail: "Invalid token." } };
      if (!route[4]) return { status: 201, body: { commitid: route[3] ?? "created" } };
      const id = `upload-${++counter}`;
      pending.add(id);
      return {
        status: 201,
        body: {
          raw_upload_location: `${self}/storage/${id}?X-Amz-Signature=standin`,
          url: `${self}/github/${route[1]}/${route[2]}/commit/${route[3]}`,
        },
      };
    }
    const put = /^\/storage\/(.+)$/.exec(req.path);
    if (req.method === "PUT" && put) {
      if (!pending.has(put[1]!) || req.query.get("X-Amz-Signature") !== "standin")
        return { status: 403, body: "SignatureDoesNotMatch", contentType: "text/plain" };
      stored.set(put[1]!, req.body.toString("utf8"));
      pending.delete(put[1]!);
      return { status: 200, body: "", contentType: "text/plain" };
    }
    return undefined;
  }, options.listen);
  self = server.url;
  return Object.assign(server, { stored });
}
