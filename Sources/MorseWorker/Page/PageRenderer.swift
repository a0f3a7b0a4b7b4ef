import MorseStore

/// The server-rendered page. It works with no JavaScript at all (the form posts back to `/`); with script
/// (`/static/page.js`) the same markup becomes the live translator. It loads nothing from elsewhere and escapes
/// everything it shows.
struct PageRenderer {
    let workerName: String
    /// The largest recording the "From sound" panel may send (the worker's `audioUploadLimit`).
    var audioUploadLimit = WorkerConfiguration().audioUploadLimit

    enum Mode: String {
        case encode, decode
    }

    /// What the page shows under the form.
    enum Outcome {
        case none
        /// The translation; `audioText` is the plain text the sound is made from, `morse` the Morse shown as a tape.
        case result(String, audioText: String?, morse: String? = nil)
        /// An error with, when known, the position in the input to point at.
        case error(message: String, input: String, position: Int?)
    }

    /// The sound settings, as the form carries them.
    struct Sound: Equatable {
        var wpm: Double = 20
        var farnsworth: Double? = nil
        var tone: Double = 600

        /// The query of `/api/v1/audio` for `text`.
        func audioQuery(text: String, alphabet: String) -> String {
            var query = "text=\(HTML.queryValue(text))"
            if alphabet != "itu" { query += "&alphabet=\(HTML.queryValue(alphabet))" }
            query += "&wpm=\(wpm.clean)"
            if let farnsworth, farnsworth < wpm { query += "&farnsworth=\(farnsworth.clean)" }
            query += "&tone=\(tone.clean)"
            return query
        }
    }

    /// Everything the translator shows.
    struct State {
        var input = ""
        var mode = Mode.encode
        var alphabet = "itu"
        var alphabets: [String] = ["itu"]
        var sound = Sound()
        var outcome = Outcome.none
        /// Set on `/m/{id}`: the page shows a stored message.
        var sharedID: String? = nil
    }

    func page(input: String = "", mode: Mode = .encode, outcome: Outcome = .none) -> String {
        page(State(input: input, mode: mode, outcome: outcome))
    }

    func page(_ state: State) -> String {
        var errorMessage = ""
        var markPosition: Int?
        if case .error(let message, _, let position) = state.outcome {
            errorMessage = message
            markPosition = position
        }
        let errorText = errorMessage.isEmpty ? "" : HTML.escape(Self.sentence(errorMessage))
        let hasError = errorMessage.isEmpty ? "" : " aria-invalid=\"true\""
        let encodeClass = state.mode == .encode ? "primary" : "secondary"
        let decodeClass = state.mode == .decode ? "primary" : "secondary"
        let title = state.sharedID == nil ? "Morse code translator" : "Shared Morse message"
        let banner =
            state.sharedID == nil
            ? ""
            : """
            <p class="banner" id="shared">A shared message. Edit it, play it, or <a href="/">start a new one</a>.</p>
            """
        return layout(
            title: title,
            body: """
                \(banner)
                <form id="translator" method="post" action="/" novalidate>
                <section class="panel input-panel" aria-labelledby="text-label">
                  <div class="field-head">
                    <label id="text-label" for="text">Text or Morse</label>
                    <span class="hint" id="text-hint">Letters to encode, or dots and dashes to decode<span class="js-only">
                      · <kbd>Ctrl</kbd>+<kbd>Enter</kbd> translates</span></span>
                  </div>
                  <div class="editor\(markPosition == nil ? "" : " marked")" id="editor">
                    <div class="backdrop" id="backdrop" aria-hidden="true">\(backdrop(state.input, mark: markPosition))</div>
                    <textarea id="text" name="text" rows="4" spellcheck="false" autocapitalize="off" autocomplete="off" \
                aria-describedby="text-hint error"\(hasError) autofocus>\(HTML.escape(state.input))</textarea>
                  </div>
                  <p id="error" class="error-message" role="alert" aria-live="assertive">\(errorText)</p>
                  <div class="examples js-only" aria-label="Examples">
                    <span class="hint">Try</span>
                    <button type="button" class="chip" data-example="SOS">SOS</button>
                    <button type="button" class="chip" data-example="CQ DX">CQ DX</button>
                    <button type="button" class="chip" data-example="Hello, World!">Hello, World!</button>
                    <button type="button" class="chip" data-example="... --- ...">... --- ...</button>
                  </div>
                  <div class="toolbar">
                    <div class="select-field">
                      <label for="alphabet">Alphabet</label>
                      <select id="alphabet" name="alphabet">\(alphabetOptions(state))</select>
                    </div>
                    <div class="actions">
                      <button type="submit" name="action" value="decode" id="decode" class="\(decodeClass)">Decode</button>
                      <button type="submit" name="action" value="encode" id="encode" class="\(encodeClass)">Encode</button>
                    </div>
                  </div>
                </section>
                \(result(state))
                </form>
                \(listenPanel())
                """)
    }

    func message(_ message: StoredMessage) -> String {
        page(
            State(
                input: message.text, mode: .encode, alphabet: message.alphabet, alphabets: [message.alphabet],
                outcome: .result(message.morse, audioText: message.text, morse: message.morse), sharedID: message.id))
    }

    func notice(title: String, text: String) -> String {
        layout(
            title: title,
            body: """
                <section class="panel notice"><h2>\(HTML.escape(title))</h2><p>\(HTML.escape(Self.sentence(text)))</p>
                <p><a href="/">Open the translator</a></p></section>
                """)
    }

    /// The input again behind the text area, with the offending character marked; the text itself is transparent.
    private func backdrop(_ input: String, mark position: Int?) -> String {
        guard let position, position >= 0, position <= input.count else { return HTML.escape(input) + "\n" }
        let characters = Array(input)
        let before = String(characters[..<position])
        let marked = position < characters.count ? String(characters[position]) : " "
        let after = position < characters.count ? String(characters[(position + 1)...]) : ""
        return HTML.escape(before) + "<mark>\(HTML.escape(marked))</mark>" + HTML.escape(after) + "\n"
    }

    private func alphabetOptions(_ state: State) -> String {
        var names = state.alphabets.isEmpty ? ["itu"] : state.alphabets
        if !names.contains(state.alphabet) { names.insert(state.alphabet, at: 0) }
        return names.map { name in
            let selected = name == state.alphabet ? " selected" : ""
            let label = name == "itu" ? "International (ITU)" : name
            return "<option value=\"\(HTML.escape(name))\"\(selected)>\(HTML.escape(label))</option>"
        }.joined()
    }

    private func result(_ state: State) -> String {
        var output = ""
        var kind = "Morse"
        var audioText: String?
        var morse = ""
        if case .result(let text, let audio, let tape) = state.outcome {
            output = text
            audioText = audio
            morse = tape ?? (audio == nil ? "" : text)
            kind = state.mode == .encode ? "Morse" : "Text"
        }
        let hidden = output.isEmpty ? " hidden" : ""
        let sound = state.sound
        let query = audioText.map { sound.audioQuery(text: $0, alphabet: state.alphabet) }
        let audioURL = query.map { "/api/v1/audio?\($0)" } ?? ""
        let audioAttributes = query == nil ? "" : " src=\"\(HTML.escape(audioURL))\""
        let downloadAttributes = query == nil ? " hidden" : " href=\"\(HTML.escape(audioURL))\""
        let speed = number("wpm", "Speed", unit: "WPM", value: sound.wpm, range: Bounds.wpm, step: 1)
        let farnsworth = number(
            "farnsworth", "Farnsworth", unit: "WPM", value: sound.farnsworth ?? sound.wpm, range: Bounds.wpm, step: 1)
        let tone = number("tone", "Tone", unit: "Hz", value: sound.tone, range: Bounds.tone, step: 10)
        let shareLink = state.sharedID.map { "/m/\($0)" }
        let sharedAttributes = shareLink == nil ? " hidden" : ""
        return """
            <section class="panel result-panel" id="output" aria-labelledby="result-title"\(hidden) \
            data-kind="\(kind.lowercased())" data-text="\(HTML.escape(audioText ?? ""))" data-morse="\(HTML.escape(morse))">
              <div class="result-head">
                <h2 id="result-title">\(kind)</h2>
                <button type="button" class="ghost js-only" id="copy" aria-describedby="result-title">Copy</button>
              </div>
              <div class="result-box" aria-live="polite"><pre id="result">\(HTML.escape(output))</pre></div>
              <div class="tape js-only" id="tape" aria-hidden="true"></div>
              <div class="player">
                <button type="button" class="primary play js-only" id="play" aria-label="Play">\
            <span class="icon" aria-hidden="true"></span><span class="play-label">Play</span></button>
                <span class="lamp js-only" id="lamp" aria-hidden="true"></span>
                <span class="time js-only" id="time" aria-live="off"></span>
                <audio id="audio" controls preload="metadata"\(audioAttributes)></audio>
                <a class="download" id="download" download="morse.wav"\(downloadAttributes)>Download WAV</a>
              </div>
              <fieldset class="sound">
                <legend>Sound</legend>
                <div class="sound-grid">\(speed)\(farnsworth)\(tone)</div>
                <p class="field-error" id="sound-error" role="alert"></p>
              </fieldset>
              <div class="share">
                <button type="submit" name="action" value="share" id="share" class="secondary">Share link</button>
                <div class="share-link" id="share-link"\(sharedAttributes)>
                  <label for="share-url" class="sr-only">Link to this message</label>
                  <input id="share-url" type="text" readonly value="\(HTML.escape(shareLink ?? ""))">
                  <button type="button" class="ghost js-only" id="copy-link">Copy link</button>
                  <a id="open-link" href="\(HTML.escape(shareLink ?? "#"))">Open</a>
                </div>
              </div>
              <p class="sr-only" id="status" aria-live="polite"></p>
            </section>
            """
    }

    /// "From sound": Morse decoded from a WAV file or the microphone by `POST /api/v1/decode/audio` (listen.js);
    /// the controls need script, so without it the panel says how to use the API instead.
    private func listenPanel() -> String {
        let limit = AudioDecodeRoute.describe(limit: audioUploadLimit)
        return """
            <section class="panel listen-panel" id="listen" aria-labelledby="listen-title" \
            data-upload-limit="\(audioUploadLimit)" data-upload-limit-text="\(HTML.escape(limit))" \
            data-recorder="\(PageAssets.recorder.versionedPath)">
              <div class="result-head"><h2 id="listen-title">From sound</h2></div>
              <p class="hint">Morse from a WAV recording or from the microphone: the speed and the tone are found by \
            themselves.<span class="no-js-only"> This needs JavaScript; without it, send the file to the API: \
            <code>curl -H 'Content-Type: audio/wav' --data-binary @morse.wav /api/v1/decode/audio</code></span></p>
              <div class="listen-actions js-only">
                <input type="file" id="wav-file" class="sr-only" accept=".wav,audio/wav,audio/x-wav,audio/wave">
                <label class="button secondary" for="wav-file">Decode a WAV file</label>
                <button type="button" class="secondary" id="record" aria-pressed="false">Record</button>
              </div>
              <p class="listen-status hint" id="listen-status" role="status" aria-live="polite"></p>
              <div class="result-box js-only"><pre id="heard" class="empty"></pre></div>
              <dl class="listen-facts js-only">
                <div><dt>Speed</dt><dd id="heard-wpm">–</dd></div><div><dt>Pitch</dt><dd id="heard-pitch">–</dd></div>
              </dl>
              <p id="listen-error" class="error-message" role="alert"></p>
            </section>
            <script src="\(PageAssets.listen.versionedPath)" defer></script>
            """
    }

    private func number(
        _ name: String, _ label: String, unit: String, value: Double, range: ClosedRange<Double>, step: Double
    ) -> String {
        """
        <div class="number"><label for="\(name)">\(label)</label><span class="input-unit">\
        <input id="\(name)" name="\(name)" type="number" inputmode="numeric" min="\(range.lowerBound.clean)" \
        max="\(range.upperBound.clean)" step="\(step.clean)" value="\(value.clean)" aria-describedby="sound-error">\
        <span class="unit">\(unit)</span></span></div>
        """
    }

    private func layout(title: String, body: String) -> String {
        """
        <!doctype html>
        <html lang="en" class="no-js">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="color-scheme" content="light dark">
        <meta name="description" content="Translate text to Morse code and back, hear it, see it, share it.">
        <title>\(HTML.escape(title))</title>
        <link rel="stylesheet" href="\(PageAssets.stylePath)">
        <link rel="icon" href="\(PageAssets.iconPath)" type="image/svg+xml">
        <script src="\(PageAssets.scriptPath)" defer></script>
        </head>
        <body>
        <a class="skip" href="#text">Skip to the translator</a>
        <header class="top"><div class="wrap">
        <a class="brand" href="/"><span class="logo" aria-hidden="true"><i></i><b></b><i></i></span>Morse</a>
        <span class="tagline">Translate, hear and share Morse code</span>
        </div></header>
        <main class="wrap">
        \(body)
        </main>
        <footer class="wrap">ITU-R M.1677-1 timing · PARIS words per minute · Farnsworth spacing (ARRL) · \
        <a href="/api/v1/alphabets">API</a> · served by \(HTML.escape(workerName))</footer>
        </body>
        </html>
        """
    }

    /// A message as a sentence: capitalised first letter.
    static func sentence(_ text: String) -> String {
        guard let first = text.first else { return text }
        return first.uppercased() + text.dropFirst()
    }
}
