import { startRecordingServer, type RecordingServer } from "./recording-server.js";

/**
 * Stand-in for Codecov's v4 upload API (unreachable here): `POST /upload/v4` checks the
 * `X-Upload-Token` header and answers the report page and a pre-signed storage URL (on this same
 * server) on two lines; `PUT /storage/<id>?signature` stores the body.
 */
export interface CodecovStandin extends RecordingServer {
  /** Stored uploads by storage id, gunzipped. */
  readonly stored: Map<string, string>;
}

export async function startCodecovStandin(options: { token: string }): Promise<CodecovStandin> {
  const stored = new Map<string, string>();
  const pending = new Set<string>();
  let counter = 0;
  let self = "";
  const server = await startRecordingServer((req) => {
    if (req.method === "POST" && req.path === "/upload/v4") {
      if (req.headers["x-upload-token"] !== options.token)
        return {
          status: 401,
          body: "Could not find a repository, try using repo upload token",
          contentType: "text/plain",
        };
      const id = `upload-${++counter}`;
      pending.add(id);
      const slug = req.query.get("slug") ?? "";
      return {
        status: 200,
        contentType: "text/plain",
        body: `https://codecov.io/github/${slug}/commit/${req.query.get("commit")}\n${self}/storage/${id}?X-Amz-Signature=standin`,
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
  });
  self = server.url;
  return Object.assign(server, { stored });
}
