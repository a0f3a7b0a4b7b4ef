/// The page's only style sheet, inline so the page needs nothing else.
enum PageStyle {
    static let css = """
        :root { color-scheme: light dark; --accent: #1d4ed8; --line: #cbd5e1; --bad: #b91c1c; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 16px/1.5 system-ui, sans-serif; }
        header, main, footer { max-width: 44rem; margin: 0 auto; padding: 0 1rem; }
        h1 { font-size: 1.6rem; margin: 1.5rem 0 1rem; }
        h2 { font-size: 1.1rem; margin: 0 0 .5rem; }
        .card { border: 1px solid var(--line); border-radius: .5rem; padding: 1rem; margin-bottom: 1rem; }
        label { display: block; font-weight: 600; }
        fieldset { border: 0; padding: 0; margin: .75rem 0; }
        fieldset label { display: inline-block; font-weight: normal; margin-right: 1rem; }
        textarea { width: 100%; font: inherit; padding: .5rem; border: 1px solid var(--line); border-radius: .375rem; }
        .actions { display: flex; gap: .5rem; flex-wrap: wrap; }
        button { font: inherit; padding: .5rem 1rem; border-radius: .375rem; border: 1px solid var(--accent);
          background: var(--accent); color: white; cursor: pointer; }
        button.secondary { background: transparent; color: var(--accent); }
        button:focus-visible, textarea:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
        pre { white-space: pre-wrap; word-break: break-word; font-size: 1.1rem; margin: 0 0 .5rem; }
        .error { border-color: var(--bad); }
        .error p { color: var(--bad); }
        mark { background: var(--bad); color: white; }
        audio { width: 100%; }
        footer { color: #64748b; font-size: .875rem; margin-bottom: 2rem; }
        """
}
