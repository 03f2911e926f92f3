// GraphiQL for this API, in place of graphene-django's graphiql.js: it opens on a tour of
// the API (the first document, until the person's own edits take its place), with the
// explorer open, a toolbar button that brings the tour back, and a link to Kakao's
// consent page under a kakaoAuthorize answer. The page's CSP forbids inline scripts, so
// the settings and the tour arrive as JSON data elements (json_script).
(function () {
  'use strict';

  const { GraphiQL, GraphiQLPluginExplorer, React, ReactDOM } = window;
  const { ToolbarButton, useEditorContext } = GraphiQL.React;
  const h = React.createElement;
  const data = (id) => JSON.parse(document.getElementById(id).textContent);
  const settings = data('graphene-settings');
  const TOUR = data('graphiql-tour');
  // GraphiQL 2 reads the open plugin from here but never writes it: we do.
  const VISIBLE_PLUGIN = 'graphiql:visiblePlugin';
  const TABS = 'graphiql:tabState'; // GraphiQL's tabs: none yet on a first visit
  const VARIABLES = 'graphiql:variables'; // the active tab's variables
  const EDITOR_FLEX = 'graphiql:editorFlex'; // the editor's share beside the response

  function stored(key) {
    try {
      return window.localStorage.getItem(key);
    } catch {
      return null; // storage off: GraphiQL keeps nothing either
    }
  }

  function store(key, value) {
    try {
      window.localStorage.setItem(key, value);
    } catch {
      // storage off: the choice lasts as long as the page
    }
  }

  // An operation handed over in the fragment (#query=…&variables=…), as
  // /graphiql/callback does with kakaoLogin. GraphiQL opens it in a tab of its own;
  // the address bar is cleared at once, since it may hold a Kakao code.
  function takeHandedOver() {
    const handed = {};
    for (const entry of window.location.hash.slice(1).split('&')) {
      const eq = entry.indexOf('=');
      if (eq <= 0) continue;
      try {
        handed[decodeURIComponent(entry.slice(0, eq))] = decodeURIComponent(entry.slice(eq + 1));
      } catch {
        // not percent-encoding: not ours
      }
    }
    if (window.location.hash) {
      window.history.replaceState(null, '', window.location.pathname + window.location.search);
    }
    return handed;
  }

  const handed = takeHandedOver();
  // On a first visit the tour's variables go where GraphiQL looks for the last ones it
  // kept: as a prop they would not be kept, and the next visit would open a new tab.
  if (stored(TABS) === null && handed.query === undefined) store(VARIABLES, TOUR.variables);
  // The tour's comments want a wider editor than GraphiQL's half of the width; the
  // person's own dragging of the divider replaces this.
  if (stored(EDITOR_FLEX) === null) store(EDITOR_FLEX, '1.8');
  // Plain JSON answers (this server sends no incremental delivery): a promise, which
  // the fetcher below can look into.
  const fetcher = GraphiQL.createFetcher({
    url: window.location.pathname,
    enableIncrementalDelivery: false,
  });

  function isWebAddress(value) {
    try {
      return typeof value === 'string' && ['http:', 'https:'].includes(new URL(value).protocol);
    } catch {
      return false;
    }
  }

  function MapIcon() {
    return h(
      'svg',
      { viewBox: '0 0 24 24', fill: 'none', stroke: 'currentColor', strokeWidth: 1.5, 'aria-hidden': true },
      h('path', { d: 'M3 6.5l6-2.5 6 2.5 6-2.5v13.5l-6 2.5-6-2.5-6 2.5z', strokeLinejoin: 'round' }),
      h('path', { d: 'M9 4v13.5M15 6.5V20' }),
    );
  }

  // The tour again: its tab if one still holds it unchanged, else a new tab.
  function TourButton() {
    const editor = useEditorContext({ nonNull: true });
    function showTour() {
      const index = editor.tabs.findIndex((tab) => tab.query === TOUR.query);
      if (index >= 0) {
        editor.changeTab(index);
        return;
      }
      editor.addTab();
      // After GraphiQL has switched the editors to the new, empty tab.
      window.setTimeout(() => {
        if (editor.variableEditor) editor.variableEditor.setValue(TOUR.variables);
        if (editor.queryEditor) editor.queryEditor.setValue(TOUR.query);
      });
    }
    return h(
      ToolbarButton,
      { label: 'Show the tour of this API again', onClick: showTour, 'data-testid': 'tour' },
      h(MapIcon),
    );
  }

  function Explore() {
    const [query, setQuery] = React.useState(handed.query);
    const [authorizeUrl, setAuthorizeUrl] = React.useState(null);
    // The explorer opens until the person closes or changes the side panel once.
    const [openExplorer, setOpenExplorer] = React.useState(stored(VISIBLE_PLUGIN) === null);
    const explorer = GraphiQLPluginExplorer.useExplorerPlugin({ query, onEdit: setQuery });

    // Kakao's authorize URL as a link under the answer: the next step of a sign-in.
    const watchingFetcher = React.useCallback((params, options) => {
      const answer = fetcher(params, options);
      if (answer && typeof answer.then === 'function') {
        answer.then(
          (result) => {
            const url = result && result.data && result.data.kakaoAuthorize && result.data.kakaoAuthorize.url;
            setAuthorizeUrl(isWebAddress(url) ? url : null);
          },
          () => setAuthorizeUrl(null),
        );
      }
      return answer;
    }, []);

    const options = {
      fetcher: watchingFetcher,
      defaultQuery: TOUR.query,
      query,
      variables: handed.variables,
      plugins: [explorer],
      visiblePlugin: openExplorer ? explorer.title : undefined,
      onTogglePluginVisibility: (plugin) => {
        store(VISIBLE_PLUGIN, plugin ? plugin.title : '');
        setOpenExplorer(false);
      },
      onEditQuery: setQuery,
      defaultEditorToolsVisibility: true,
      isHeadersEditorEnabled: settings.graphiqlHeaderEditorEnabled,
      shouldPersistHeaders: settings.graphiqlShouldPersistHeaders,
      inputValueDeprecation: settings.graphiqlInputValueDeprecation,
      toolbar: { additionalContent: h(TourButton) },
    };
    const footer = authorizeUrl
      ? h(
          GraphiQL.Footer,
          null,
          h(
            'a',
            { className: 'kakao-authorize-link', href: authorizeUrl, 'data-testid': 'kakao-authorize-link' },
            'Open Kakao’s consent page (the url above) →',
          ),
        )
      : null;
    return h(GraphiQL, options, footer);
  }

  ReactDOM.render(h(Explore), document.getElementById('editor'));
})();
