export {
  orderFlow,
  orderFlowProxy,
  OrderFlowProxyState,
  OrderFlowState,
  tradeIntensity,
  TradeIntensityState,
} from './orderflow.ts';
export { rollingSum, RollingSum } from './rollingSum.ts';
export {
  OrderFlowOptions,
  orderFlowFeature,
  orderFlowFeatures,
  orderFlowPlugin,
  orderFlowPlugin as default,
  orderFlowProxyFeature,
  tradeIntensityFeature,
} from './plugin.ts';
