/**
 * What the engine programs of `npm run e2e` and `npm run cluster` export of a TcpConnectVerification:
 * its outputs as one object (`verificationResult`), which the scenarios read with `stack output`.
 */
import type { TcpConnectVerification } from "../../components/tcpConnectVerification";

export function verificationOutputs(verification: TcpConnectVerification) {
  return {
    verified: verification.verified,
    skipped: verification.skipped,
    skipReason: verification.skipReason,
    pod: verification.pod,
    kernel: verification.kernel,
    effectiveCapabilities: verification.effectiveCapabilities,
    excessCapabilities: verification.excessCapabilities,
    matchedEvent: verification.matchedEvent,
    timings: verification.timings,
  };
}
