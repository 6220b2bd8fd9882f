// Swagger UI initializer for /api/v1/docs/ (a static file: the CSP allows no inline
// script). Reads its settings from data attributes of #swagger-ui.
"use strict";
(function () {
  var root = document.getElementById("swagger-ui");
  var csrfHeader = root.dataset.csrfHeader || "X-CSRFToken";
  var csrfToken = root.dataset.csrfToken || "";
  window.ui = SwaggerUIBundle({
    url: root.dataset.schemaUrl,
    dom_id: "#swagger-ui",
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    deepLinking: true,
    persistAuthorization: false,
    // The browser session works too: send the CSRF token with unsafe requests.
    requestInterceptor: function (request) {
      var method = (request.method || "GET").toUpperCase();
      if (["GET", "HEAD", "OPTIONS"].indexOf(method) === -1 && csrfToken) {
        request.headers[csrfHeader] = csrfToken;
      }
      return request;
    },
  });
})();
