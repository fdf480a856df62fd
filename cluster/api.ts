/**
 * A small client for the cluster's API server (https, bearer token, the cluster's CA): what the
 * scenarios need to read and arrange objects beside the engine. The verification itself goes
 * through the project's own transport (@kubernetes/client-node), not this.
 */
import * as https from "https";

export interface ApiEndpoint {
  server: string;
  caPem: string;
  token: string;
}

export interface ApiResponse {
  status: number;
  body: unknown;
  text: string;
}

export function apiRequest(
  e: ApiEndpoint,
  method: string,
  path: string,
  body?: unknown,
  contentType = "application/json",
): Promise<ApiResponse> {
  const url = new URL(path, e.server);
  const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method,
        ca: e.caPem,
        headers: {
          authorization: `Bearer ${e.token}`,
          accept: "application/json",
          ...(payload !== undefined ? { "content-type": contentType } : {}),
        },
        timeout: 30_000,
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (text += d));
        res.on("end", () => {
          let parsed: unknown = undefined;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            parsed = undefined;
          }
          resolve({ status: res.statusCode ?? 0, body: parsed, text });
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${method} ${path}: timed out`)));
    req.on("error", reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** The request's body, or an error naming the call and the API server's message. */
export async function apiOk<T = unknown>(
  e: ApiEndpoint,
  method: string,
  path: string,
  body?: unknown,
  contentType?: string,
): Promise<T> {
  const r = await apiRequest(e, method, path, body, contentType);
  if (r.status < 200 || r.status >= 300) {
    const message = (r.body as { message?: string } | undefined)?.message ?? r.text.slice(0, 300);
    throw new Error(`${method} ${path}: HTTP ${r.status}: ${message}`);
  }
  return r.body as T;
}
