import { chooseKubeconfig } from "../../verification/kubeconfigSource";

const CONTENT = "apiVersion: v1\nkind: Config\nclusters: []\n";
const files: Record<string, string> = {
  "/etc/acs.yaml": CONTENT,
  "/home/me/.kube/config": "home config\n",
  "/tmp/a": "env config\n",
};
const readFile = (p: string) => files[p];

describe("which kubeconfig the verification uses", () => {
  test.each<[string, Parameters<typeof chooseKubeconfig>[0], string]>([
    ["provider content", { providerKubeconfig: CONTENT, home: "/home/me", readFile }, CONTENT.trim()],
    [
      "provider JSON content",
      { providerKubeconfig: '{"apiVersion":"v1"}', home: "/home/me", readFile },
      '{"apiVersion":"v1"}',
    ],
    ["provider path", { providerKubeconfig: "/etc/acs.yaml", home: "/home/me", readFile }, CONTENT],
    [
      "$KUBECONFIG, first entry",
      { kubeconfigEnv: ":/tmp/a:/etc/acs.yaml", home: "/home/me", readFile },
      "env config\n",
    ],
    ["~/.kube/config", { home: "/home/me", readFile }, "home config\n"],
  ])("%s", (_label, sources, expected) => {
    const choice = chooseKubeconfig(sources);
    expect("kubeconfig" in choice && choice.kubeconfig).toBe(expected);
  });

  test("nothing readable: skipped with a reason that names what to set", () => {
    expect(chooseKubeconfig({ home: "/nobody", readFile })).toEqual({
      skipReason:
        "no kubeconfig: set kubernetes:kubeconfig (pulumi config set --secret) or KUBECONFIG; /nobody/.kube/config cannot be read",
    });
    expect(chooseKubeconfig({ providerKubeconfig: "/missing", home: "/home/me", readFile })).toEqual({
      skipReason: "kubernetes:kubeconfig names /missing, which cannot be read",
    });
  });
});
