// The API reference page (/api/docs): Swagger UI over the app's own OpenAPI document.
// A file rather than an inline script, so the page's CSP needs nothing but its nonce.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: root.dataset.specUrl,
    domNode: root,
    deepLinking: true,
    // Swagger UI would otherwise send the spec to validator.swagger.io.
    validatorUrl: null,
  });
})();
