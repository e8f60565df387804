// Loaded by /docs; kept out of the HTML so the page runs under a CSP without inline script.
window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({ url: '/api/v1/openapi.json', dom_id: '#swagger-ui', deepLinking: true });
});
