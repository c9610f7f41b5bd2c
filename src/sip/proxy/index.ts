export { aggregateChallenges, chooseBestResponse } from './best-response.js';
export {
  decrementMaxForwards,
  type FlowTokenSource,
  nextHopUri,
  prepareCopy,
  statelessBranch,
} from './forward-request.js';
export { hasLooped, loopBranch, loopKey, statelessKey } from './loop-detection.js';
export { preprocessRoute } from './route-preprocess.js';
export { StatefulProxy } from './stateful-proxy.js';
export { StatelessForwarder } from './stateless-proxy.js';
export type { ForwardTarget, ProxyEvents, ProxyOptions, ProxyStack, Retarget } from './types.js';
