// `bg-replacer/element`: importing it registers <bg-replacer> (a side effect) and exports its class.
export { BgReplacerElement } from '../element/bg-replacer';
