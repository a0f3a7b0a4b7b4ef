import MorseStore

/// The server-rendered page: works with no JavaScript at all (the form posts back to `/`), loads nothing from
/// elsewhere, and escapes everything it shows.
struct PageRenderer {
    let workerName: String

    enum Mode: String {
        case encode, decode
    }

    /// What the page shows under the form.
    enum Outcome {
        case none
        case result(String, audioText: String?)
        /// An error with, when known, the position in the input to point at.
        case error(message: String, input: String, position: Int?)
    }

    func page(input: String = "", mode: Mode = .encode, outcome: Outcome = .none) -> String {
        let encodeChecked = mode == .encode ? " checked" : ""
        let decodeChecked = mode == .decode ? " checked" : ""
        return layout(
            title: "Morse translator",
            body: """
                <form method="post" action="/" class="card">
                  <label for="text">Text or Morse</label>
                  <textarea id="text" name="text" rows="4" autofocus>\(HTML.escape(input))</textarea>
                  <fieldset>
                    <legend>Direction</legend>
                    <label><input type="radio" name="mode" value="encode"\(encodeChecked)> Text → Morse</label>
                    <label><input type="radio" name="mode" value="decode"\(decodeChecked)> Morse → text</label>
                  </fieldset>
                  <div class="actions">
                    <button type="submit" name="action" value="translate">Translate</button>
                    <button type="submit" name="action" value="share" class="secondary">Share as a link</button>
                  </div>
                </form>
                \(render(outcome))
                """)
    }

    func message(_ message: StoredMessage) -> String {
        layout(
            title: "Morse message",
            body: """
                <section class="card">
                  <h2>Message</h2>
                  <p class="text">\(HTML.escape(message.text))</p>
                  <pre class="morse" aria-label="Morse">\(HTML.escape(message.morse))</pre>
                  <audio controls preload="none" src="/api/v1/audio?text=\(HTML.queryValue(message.text))"></audio>
                  <p><a href="/">Write another</a></p>
                </section>
                """)
    }

    func notice(title: String, text: String) -> String {
        layout(
            title: title,
            body: "<section class=\"card\"><h2>\(HTML.escape(title))</h2><p>\(HTML.escape(text))</p></section>")
    }

    private func render(_ outcome: Outcome) -> String {
        switch outcome {
        case .none:
            return ""
        case .result(let text, let audioText):
            var audio = ""
            if let audioText {
                audio = """
                    <audio controls preload="none" src="/api/v1/audio?text=\(HTML.queryValue(audioText))"></audio>
                    """
            }
            return """
                <section class="card result" aria-live="polite">
                  <h2>Result</h2>
                  <pre id="result">\(HTML.escape(text))</pre>
                  \(audio)
                </section>
                """
        case .error(let message, let input, let position):
            var marked = ""
            if let position, position >= 0, position < input.count {
                let characters = Array(input)
                let before = String(characters[..<position])
                let after = String(characters[(position + 1)...])
                marked = """
                    <pre class="marked">\(HTML.escape(before))<mark>\(HTML.escape(String(characters[position])))</mark>\(HTML.escape(after))</pre>
                    """
            }
            return """
                <section class="card error" role="alert">
                  <h2>Cannot translate</h2>
                  <p id="error">\(HTML.escape(message))</p>
                  \(marked)
                </section>
                """
        }
    }

    private func layout(title: String, body: String) -> String {
        """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(HTML.escape(title))</title>
        <style>\(PageStyle.css)</style>
        </head>
        <body>
        <header><h1>Morse translator</h1></header>
        <main>
        \(body)
        </main>
        <footer>Served by \(HTML.escape(workerName)) · <a href="/api/v1/alphabets">alphabets</a></footer>
        </body>
        </html>
        """
    }
}
