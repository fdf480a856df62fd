/**
 * A program that registers TcpConnectVerification with a kubeconfig for the local exec API server
 * of testing/verification (npm run e2e starts it), next to an EbpfWorkload with a pull Secret.
 * `cpu` changes the pod template (the check re-runs); `eventTimeoutSeconds` does not.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { EbpfWorkload } from "../../../../components/ebpfWorkload";
import { TcpConnectVerification, workloadUnderTest } from "../../../../components/tcpConnectVerification";
import { verificationOutputs } from "../../../../testing/e2e/verificationOutputs";

const config = new pulumi.Config();
const render = new k8s.Provider("render", { renderYamlToDirectory: config.require("renderDir") });
const workload = new EbpfWorkload(
  "workbench",
  {
    image: config.require("image"),
    namespace: config.require("namespace"),
    workloadName: config.require("deployment"),
    cpu: config.require("cpu"),
    registryCredentials: {
      server: config.require("registryServer"),
      username: config.require("registryUsername"),
      password: config.requireSecret("registryPassword"),
    },
  },
  { providers: { kubernetes: render } },
);
const verification = new TcpConnectVerification(
  "tcp-connect",
  {
    ...workloadUnderTest(workload),
    kubeconfig: config.requireSecret("kubeconfig"),
    tracerPath: config.require("tracerPath"),
    readyTimeoutSeconds: 20,
    attachTimeoutSeconds: 10,
    eventTimeoutSeconds: config.requireNumber("eventTimeoutSeconds"),
  },
  { dependsOn: [workload] },
);

export const verificationResult = verificationOutputs(verification);
