/**
 * Builders for the rules' table-driven tests: small pod-bearing objects and a runner that returns
 * what a rule reports. Test support only; no rule imports it.
 */
import * as fs from "fs";
import * as path from "path";
import { podTemplateOf } from "./podSpecs";
import { parseYamlDocuments } from "./review";
import type { Finding, KubeObject, Rule, RuleSettings } from "./types";

export type Container = Record<string, unknown>;

/** A Pod with these containers and extra spec fields. */
export function pod(
  containers: Container[],
  spec: Record<string, unknown> = {},
  metadata: Record<string, unknown> = {},
): KubeObject {
  return { apiVersion: "v1", kind: "Pod", metadata: { name: "p", ...metadata }, spec: { containers, ...spec } };
}

/** A Deployment whose pod template has these containers, spec fields and template metadata. */
export function deployment(
  containers: Container[],
  spec: Record<string, unknown> = {},
  templateMetadata: Record<string, unknown> = {},
  selector?: Record<string, unknown>,
): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "d", namespace: "ns" },
    spec: {
      selector: selector ?? { matchLabels: { app: "d" } },
      template: { metadata: { labels: { app: "d" }, ...templateMetadata }, spec: { containers, ...spec } },
    },
  };
}

export function container(securityContext?: Record<string, unknown>, extra: Record<string, unknown> = {}): Container {
  return { name: "c", image: "registry.example/app:1", ...(securityContext ? { securityContext } : {}), ...extra };
}

/** What a rule reports for one object. */
export function run(rule: Rule, obj: KubeObject, settings: RuleSettings = {}): Finding[] {
  const template = podTemplateOf(obj);
  if (!template) throw new Error(`test object ${String(obj.kind)} has no pod template`);
  return rule.check(template, settings);
}

/** The vendor document's Deployment (policy/testdata/vendor-deployment.yaml). */
export function vendorDeployment(): KubeObject {
  const text = fs.readFileSync(path.join(__dirname, "testdata", "vendor-deployment.yaml"), "utf8");
  return parseYamlDocuments(text)[0] as KubeObject;
}
