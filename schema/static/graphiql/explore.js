// graphene-django's graphiql.js reads window.GRAPHENE_SETTINGS; the page carries them as
// JSON data rather than an inline script, so that the CSP can forbid inline scripts.
window.GRAPHENE_SETTINGS = JSON.parse(document.getElementById("graphene-settings").textContent);
