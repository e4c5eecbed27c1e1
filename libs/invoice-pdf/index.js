// Runtime entry of the @mu/invoice-pdf workspace package: the compiled lib (`npm run build`).
// TypeScript and jest resolve @mu/invoice-pdf to the sources through tsconfig paths instead.
module.exports = require('../../dist/libs/invoice-pdf/src/index.js');
