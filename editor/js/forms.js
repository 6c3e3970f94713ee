// Per-type forms: importing this module registers every hand-made form (form-kit.js); the
// inspector asks formFor(type) and falls back to the schema form for the other types.

import "./forms-basic.js";
import "./forms-rules.js";
import "./forms-seq.js";
import "./forms-parse.js";
import "./forms-net.js";
import "./forms-link.js";
import "./forms-openai.js";

export { buildCustomForm, formFor } from "./form-kit.js";
