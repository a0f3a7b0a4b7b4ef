/// The page's style sheet, served as `/static/page.css`. Colours meet WCAG AA (4.5:1 for text) in both schemes.
enum PageStyle {
    static let css = #"""
        :root {
          color-scheme: light dark;
          --bg: #f3f4f6; --panel: #ffffff; --field: #ffffff; --text: #111827; --muted: #4b5563; --line: #d1d5db;
          --accent: #1d4ed8; --accent-strong: #1e3a8a; --on-accent: #ffffff; --accent-soft: #e8eefc;
          --bad: #b91c1c; --bad-soft: #fde2e2; --lamp: #f59e0b; --tape: #c3c9d2; --done: #93a9e8;
          --mono: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, Consolas, monospace;
          --radius: 10px;
        }
        @media (prefers-color-scheme: dark) {
          :root {
            --bg: #0d1117; --panel: #161b22; --field: #0d1117; --text: #e6edf3; --muted: #9da7b3; --line: #30363d;
            --accent: #8ab4ff; --accent-strong: #b3ceff; --on-accent: #0d1117; --accent-soft: #1c2a45;
            --bad: #ff9b9b; --bad-soft: #4a1d1d; --lamp: #fbbf24; --tape: #3b4452; --done: #4d6fb3;
          }
        }
        * { box-sizing: border-box; }
        [hidden] { display: none !important; }
        .no-js .js-only { display: none !important; }
        html { background: var(--bg); }
        body { margin: 0; color: var(--text); background: var(--bg);
          font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
        a { color: var(--accent); text-underline-offset: 2px; }
        a:hover { color: var(--accent-strong); }
        :focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; border-radius: 4px; }
        .wrap { max-width: 46rem; margin: 0 auto; padding: 0 1rem; }
        .skip { position: absolute; left: -999px; top: .5rem; background: var(--panel); padding: .5rem 1rem; }
        .skip:focus { left: 1rem; z-index: 10; }
        .sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0);
          white-space: nowrap; }

        .top .wrap { display: flex; align-items: baseline; flex-wrap: wrap; gap: .25rem 1rem;
          padding-top: 1.5rem; padding-bottom: 1.25rem; }
        .brand { display: inline-flex; align-items: center; gap: .6rem; font-size: 1.4rem; font-weight: 750;
          letter-spacing: -.01em; color: var(--text); text-decoration: none; }
        .logo { display: inline-flex; align-items: center; gap: 4px; }
        .logo i, .logo b { display: block; height: 9px; border-radius: 5px; background: var(--accent); }
        .logo i { width: 9px; }
        .logo b { width: 24px; }
        .logo i:last-child { background: var(--lamp); }
        .tagline { color: var(--muted); font-size: .95rem; }

        .banner { margin: 0 0 1rem; padding: .75rem 1rem; border-radius: var(--radius); background: var(--accent-soft); }
        .panel { background: var(--panel); border: 1px solid var(--line); border-radius: 14px; padding: 1.25rem;
          margin-bottom: 1rem; box-shadow: 0 1px 2px rgb(15 23 42 / 4%), 0 8px 24px rgb(15 23 42 / 4%); }
        .notice h2 { margin-top: 0; }
        .field-head { display: flex; justify-content: space-between; align-items: baseline; flex-wrap: wrap;
          gap: .25rem 1rem; margin-bottom: .5rem; }
        label, legend { font-weight: 600; }
        .hint { color: var(--muted); font-size: .875rem; }
        kbd { font: .8rem var(--mono); border: 1px solid var(--line); border-bottom-width: 2px; border-radius: 4px;
          padding: 0 .25rem; }

        .editor { position: relative; border: 1px solid var(--line); border-radius: var(--radius);
          background: var(--field); }
        .editor:focus-within { outline: 3px solid var(--accent); outline-offset: 2px; border-color: var(--accent); }
        .editor textarea:focus-visible { outline: none; }
        .editor.marked { border-color: var(--bad); }
        .backdrop, .editor textarea { margin: 0; padding: .8rem .9rem; font: 1.125rem/1.6 var(--mono);
          letter-spacing: 0; white-space: pre-wrap; overflow-wrap: break-word; word-break: normal; }
        .backdrop { position: absolute; inset: 0; overflow: hidden; color: transparent; pointer-events: none; }
        .backdrop mark { color: transparent; background: var(--bad-soft); border-radius: 3px;
          box-shadow: inset 0 -3px 0 var(--bad); }
        .editor textarea { position: relative; display: block; width: 100%; min-height: 7.4rem; border: 0;
          background: transparent; color: var(--text); resize: vertical; overflow-y: auto; }
        .error-message { margin: .6rem 0 0; color: var(--bad); font-weight: 600; }
        .error-message:empty { display: none; }
        .error-message::before { content: "!"; display: inline-grid; place-items: center; width: 1.25rem;
          height: 1.25rem; margin-right: .5rem; border-radius: 50%; background: var(--bad); color: var(--panel);
          font-size: .8rem; vertical-align: .1rem; }

        .examples { display: flex; flex-wrap: wrap; align-items: center; gap: .4rem; margin-top: .75rem; }
        .chip { font: .875rem var(--mono); padding: .3rem .7rem; border-radius: 999px; border: 1px solid var(--line);
          background: transparent; color: var(--text); cursor: pointer; }
        .chip:hover { border-color: var(--accent); color: var(--accent); }

        .toolbar { display: flex; justify-content: space-between; align-items: flex-end; flex-wrap: wrap;
          gap: .75rem; margin-top: 1rem; }
        .select-field { display: flex; align-items: center; gap: .6rem; }
        select, input[type=number], input[type=text] { font: inherit; color: var(--text); background: var(--field);
          border: 1px solid var(--line); border-radius: var(--radius); min-height: 2.75rem; padding: 0 .7rem; }
        select { padding-right: .5rem; max-width: 16rem; }
        .actions { display: flex; gap: .5rem; }
        button, .download { font: inherit; font-weight: 600; min-height: 2.75rem; padding: 0 1.25rem;
          border-radius: var(--radius); border: 1px solid var(--accent); cursor: pointer;
          display: inline-flex; align-items: center; justify-content: center; gap: .5rem; }
        .primary { background: var(--accent); color: var(--on-accent); }
        .primary:hover { background: var(--accent-strong); border-color: var(--accent-strong); }
        .secondary, .download { background: var(--panel); color: var(--accent); text-decoration: none; }
        .secondary:hover, .download:hover { background: var(--accent-soft); }
        .ghost { background: transparent; color: var(--accent); border-color: var(--line); min-height: 2.25rem;
          padding: 0 .8rem; font-size: .9rem; }
        .ghost:hover { border-color: var(--accent); }
        button:disabled { opacity: .6; cursor: progress; }

        .result-head { display: flex; justify-content: space-between; align-items: center; margin-bottom: .4rem; }
        .result-head h2 { margin: 0; font-size: .8rem; font-weight: 700; letter-spacing: .08em;
          text-transform: uppercase; color: var(--muted); }
        #result { margin: 0; font: 1.35rem/1.6 var(--mono); letter-spacing: .04em; white-space: pre-wrap;
          overflow-wrap: anywhere; }
        .result-panel[data-kind=text] #result { font-family: inherit; letter-spacing: 0; }
        .tape { display: flex; flex-wrap: wrap; gap: .7rem 1.4rem; margin: 1rem 0 .25rem; padding: .85rem;
          border-radius: var(--radius); background: var(--bg); max-height: 9.5rem; overflow-y: auto; }
        .tape:empty { display: none; }
        .tape .word { display: inline-flex; flex-wrap: wrap; gap: .7rem .6rem; }
        .tape .letter { display: inline-flex; gap: 3px; align-items: center; }
        .tape .el { display: block; height: 8px; width: 8px; border-radius: 4px; background: var(--tape);
          transition: background-color 60ms linear; }
        .tape .dah { width: 24px; }
        .tape .el.done { background: var(--done); }
        .tape .el.on { background: var(--lamp); box-shadow: 0 0 0 2px rgb(245 158 11 / 35%); }

        .player { display: flex; align-items: center; flex-wrap: wrap; gap: .75rem; margin-top: 1rem; }
        .play { min-width: 7.5rem; }
        .play .icon { width: 0; height: 0; border-style: solid; border-width: 6px 0 6px 10px;
          border-color: transparent transparent transparent currentColor; }
        .play.playing .icon { width: 11px; height: 11px; border: 0; background: currentColor; border-radius: 2px; }
        .lamp { width: 1.4rem; height: 1.4rem; border-radius: 50%; background: var(--tape);
          border: 2px solid var(--line); }
        .lamp.on { background: var(--lamp); border-color: var(--lamp); box-shadow: 0 0 14px 3px rgb(245 158 11 / 55%); }
        .time { font: .95rem var(--mono); color: var(--muted); min-width: 8ch; }
        .js #audio { display: none; }
        #audio { max-width: 100%; }
        .download { margin-left: auto; }

        .sound { border: 0; padding: 1rem 0 0; margin: 1rem 0 0; border-top: 1px solid var(--line); min-width: 0; }
        .sound legend { float: left; width: 100%; padding: 0; margin-bottom: .5rem; font-size: .8rem; font-weight: 700;
          letter-spacing: .08em; text-transform: uppercase; color: var(--muted); }
        .sound-grid { clear: both; display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: .75rem; }
        .number label { display: block; font-size: .875rem; margin-bottom: .25rem; }
        .input-unit { display: flex; align-items: center; border: 1px solid var(--line); border-radius: var(--radius);
          background: var(--field); padding-right: .6rem; }
        .input-unit:focus-within { outline: 3px solid var(--accent); outline-offset: 2px; }
        .input-unit input { border: 0; width: 100%; min-width: 0; background: transparent; }
        .input-unit input:focus-visible { outline: none; }
        .input-unit input[aria-invalid=true] { color: var(--bad); }
        .unit { color: var(--muted); font-size: .85rem; }
        .field-error { margin: .5rem 0 0; color: var(--bad); font-weight: 600; }
        .field-error:empty { display: none; }

        .share { display: flex; flex-wrap: wrap; align-items: center; gap: .6rem; margin-top: 1rem; padding-top: 1rem;
          border-top: 1px solid var(--line); }
        .share-link { display: flex; flex: 1 1 18rem; gap: .5rem; align-items: center; min-width: 0; }
        .share-link input { flex: 1; min-width: 0; font: .95rem var(--mono); }
        .share-link a { font-weight: 600; }

        footer { color: var(--muted); font-size: .8rem; padding-top: .5rem; padding-bottom: 2rem; text-align: center; }
        @media (max-width: 34rem) {
          .tagline { display: none; }
          .panel { padding: 1rem; border-radius: 12px; }
          .toolbar { flex-direction: column; align-items: stretch; }
          .select-field select { flex: 1; max-width: none; }
          .actions { display: grid; grid-template-columns: 1fr 1fr; }
          .sound-grid { gap: .5rem; }
          .download { margin-left: 0; }
          #result { font-size: 1.2rem; }
        }
        @media (prefers-reduced-motion: reduce) {
          .tape .el { transition: none; }
        }
        """#
}
