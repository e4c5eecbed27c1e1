// Runtime entry of the @mu/metering workspace package: the compiled lib (`npm run build`).
// TypeScript and jest resolve @mu/metering to the sources through tsconfig paths instead.
module.exports = require('../../dist/libs/metering/src/index.js');
