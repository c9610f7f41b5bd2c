export { Dialog, type DialogInit, type DialogRejection, type DialogState } from './dialog.js';
export { type DialogFlow, inboundFlow, onlyOverFlow, outboundFlow } from './dialog-flow.js';
export { type DialogId, dialogKey, incomingRequestDialogId, responseDialogId } from './dialog-id.js';
export { DialogStore } from './dialog-store.js';
export { applyRouteSet, requestNextHop, routeSetNextHop } from './route-set.js';
