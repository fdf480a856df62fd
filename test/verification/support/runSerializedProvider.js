/**
 * Loads a serialized dynamic provider (the `__provider` text a resource registers) the way
 * Pulumi's dynamic-provider host does — require-from-string(text).handler() — in a plain Node
 * process (no TypeScript, no tsx), then answers JSON requests on stdin like checkDriver.ts:
 *   {"id": 1, "method": "create", "args": [...]}
 */
const fs = require("fs");
const readline = require("readline");
const path = require("path");
// The dynamic-provider host's own loader, resolved from @pulumi/pulumi (it is its dependency, not ours).
const requireFromString = require(
  require.resolve("require-from-string", { paths: [path.dirname(require.resolve("@pulumi/pulumi"))] }),
);

const provider = requireFromString(fs.readFileSync(process.argv[2], "utf8")).handler();
const rl = readline.createInterface({ input: process.stdin });
rl.on("line", (line) => {
  let id = null;
  (async () => {
    try {
      const req = JSON.parse(line);
      id = req.id;
      const result = await provider[req.method](...(req.args || []));
      process.stdout.write(JSON.stringify({ id, result: result === undefined ? null : result }) + "\n");
    } catch (err) {
      process.stdout.write(JSON.stringify({ id, error: err && err.message ? err.message : String(err) }) + "\n");
    }
  })();
});
rl.on("close", () => process.exit(0));
