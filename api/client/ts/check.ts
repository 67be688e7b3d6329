// A TypeScript API client written against the served OpenAPI document:
// openapi-typescript generates schema.d.ts from ../openapi.json and this
// file must type-check under strict with no casts (.ci/run runs tsc). It
// covers the calls of issue #11: pull latest with its ETag, create a draft
// with only its required fields, submit a review with only ratings, create
// a round with only panelists and scale.
import createClient from "openapi-fetch";
import type { components, paths } from "./schema";

type Version = components["schemas"]["Version"];
type Problem = components["schemas"]["Problem"];

// Only JSON bodies: the export, CSV and SVG formats are asked for by ?format=.
const api = createClient<paths, "application/json" | "application/problem+json">({
  baseUrl: "http://127.0.0.1:8080",
  headers: { Authorization: "Bearer " + "token" },
});

function explain(p: Problem): string {
  const fields = (p.errors ?? []).map((e) => `${e.field}: ${e.message}`);
  return [`${p.status} ${p.title}: ${p.detail}`, ...fields].join("\n");
}

// The caching loop of an analysis script: send the ETag it has; 304 means
// the copy it holds is still the newest approved version.
export async function pullLatest(
  slug: string,
  cached?: { etag: string; version: Version },
): Promise<{ etag: string; version: Version }> {
  const { data, error, response } = await api.GET("/api/v1/models/{slug}/versions/{n}", {
    params: { path: { slug, n: "latest" }, header: { "If-None-Match": cached?.etag } },
  });
  if (response.status === 304 && cached) {
    return cached;
  }
  if (error) {
    throw new Error(explain(error));
  }
  const etag = response.headers.get("ETag");
  if (!data || !etag) {
    throw new Error(`unexpected answer ${response.status}`);
  }
  const stages: string[] = data.stages.map((s) => `${s.key} ${s.name} (${s.actor}, ${s.role})`);
  console.log(`${slug} v${data.number} approved ${data.approved_at ?? "?"}: ${stages.join(", ")}`);
  return { etag, version: data };
}

export async function createDraft(slug: string): Promise<number> {
  const { data, error } = await api.POST("/api/v1/models/{slug}/versions", {
    params: { path: { slug } },
    body: {
      stages: [
        { key: "S1", name: "Rupture marker", actor: "patient", role: "marker", codes: ["W1"] },
        { key: "S2", name: "Re-engagement", actor: "dyad", role: "resolution", codes: ["RS02"] },
      ],
    },
  });
  if (error) {
    throw new Error(explain(error));
  }
  return data.number;
}

export async function createRound(slug: string, version: number, panelists: number[]): Promise<number> {
  const { data, error } = await api.POST("/api/v1/models/{slug}/versions/{n}/rounds", {
    params: { path: { slug, n: version } },
    body: { panelists, scale: { min: 1, max: 9 } },
  });
  if (error) {
    throw new Error(explain(error));
  }
  return data.id;
}

export async function submitReview(round: number): Promise<number> {
  const { data, error } = await api.PUT("/api/v1/rounds/{id}/review", {
    params: { path: { id: round } },
    body: {
      stages: [{ key: "S1", relevance: 8, clarity: 7 }, { key: "S2", relevance: 9 }],
      transitions: [{ from: "S1", to: "S2", agreement: 8 }],
    },
  });
  if (error) {
    throw new Error(explain(error));
  }
  return data.revision;
}

export async function approve(slug: string, version: number): Promise<Version> {
  const { data, error } = await api.POST("/api/v1/models/{slug}/versions/{n}/approve", {
    params: { path: { slug, n: version } },
  });
  if (error) {
    throw new Error(explain(error));
  }
  return data;
}
