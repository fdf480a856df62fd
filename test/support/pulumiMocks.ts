/**
 * Pulumi without the engine: `setMocks` records every registered resource so tests can assert
 * on what a component would create. Import this before the module under test.
 */
import * as pulumi from "@pulumi/pulumi";

export interface RegisteredResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  /** A read of an existing object (`Resource.get`), not a resource the program creates. */
  read?: true;
}

export const registered: RegisteredResource[] = [];

/** Extra outputs per resource type, e.g. a docker Image's repoDigest. */
export const mockOutputs: Record<string, (inputs: Record<string, unknown>) => Record<string, unknown>> = {};

/** Objects a read (`Resource.get`) finds, keyed by `type:id`, e.g. `kubernetes:core/v1:Namespace:probes`. */
export const existingObjects: Record<string, Record<string, unknown>> = {};

export function installMocks(preview = false, project = "acs-ebpf", stack = "test"): void {
  pulumi.runtime.setMocks(
    {
      newResource(args) {
        if (args.id) {
          registered.push({ type: args.type, name: args.name, inputs: args.inputs, read: true });
          const found = existingObjects[`${args.type}:${args.id}`];
          if (!found) throw new Error(`${args.type} ${args.id} not found`);
          return { id: args.id, state: found };
        }
        registered.push({ type: args.type, name: args.name, inputs: args.inputs });
        const extra = mockOutputs[args.type]?.(args.inputs) ?? {};
        return { id: `${args.name}-id`, state: { ...args.inputs, ...extra } };
      },
      call(args) {
        return args.inputs;
      },
    },
    project,
    stack,
    preview,
  );
}

/** The value of an Output, once the mocks have resolved it. */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((v) => resolve(v)));
}

/** Waits until every resource registration queued so far has reached the mocks. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

export function ofType(type: string): RegisteredResource[] {
  return registered.filter((r) => r.type === type);
}
