export { canonicalJson, sha256Hex, payloadHash } from './canonical.js';
export { pickPayload, invokePath, encodePathSegment } from './scope.js';
export type { SigningScope, InvokePathVariant } from './scope.js';
export { buildSignedMessage, SIGNED_MESSAGE_HEADER } from './message.js';
export type { SignedMessageInput } from './message.js';
export { signMessageWithKey, newRequestId, addressFromPrivateKey, accountFromPrivateKey } from './signer.js';
export {
  signTransferWithAuthorization,
  encodeX402Envelope,
  buildX402Envelope,
  transferDomainFromRequirement,
  authorizationForRequirement,
  newAuthorizationNonce,
} from './x402-authorization.js';
export type {
  TransferDomain,
  TransferAuthorization,
  X402Resource,
  X402PaymentRequirement,
  X402PaymentEnvelope,
  SignTransferWithAuthorizationInput,
} from './x402-authorization.js';
