// The dashboard (back/ui/): its files, compiled into the binary, served
// without a token (they hold nothing secret; the page asks for the token and
// sends it to the API like any client).

#include "back/api/api.hpp"
#include "back/ui/ui_assets.hpp"

namespace reship::api {
namespace {

// No inline script or style, nothing from another origin, no framing: log
// lines and reasons are the builds' and the callers' text, and the page
// writes them with textContent only, but this holds even if it did not.
constexpr const char* kPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

}  // namespace

void Api::ui_file(http::Request&, const std::shared_ptr<http::Exchange>& ex, std::string_view name) {
  const auto asset = ui::find_asset(name);
  if (!asset) {
    metrics_.http_request(404);
    ex->respond_error(404, "not_found", "no dashboard file " + std::string(name) + "; the dashboard is at /");
    return;
  }
  metrics_.http_request(200);
  ex->respond(200, ui::content_type(name), std::string(asset->bytes),
              {{"Content-Security-Policy", kPolicy},
               {"X-Content-Type-Options", "nosniff"},
               {"X-Frame-Options", "DENY"},
               {"Referrer-Policy", "no-referrer"},
               {"Cross-Origin-Opener-Policy", "same-origin"},
               {"Cache-Control", "no-cache"}});
}

}  // namespace reship::api
