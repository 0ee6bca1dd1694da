#include "back/ui/ui_assets.hpp"

namespace reship::ui {

std::optional<Asset> find_asset(std::string_view name) {
  for (const auto& asset : kAssets) {
    if (asset.name == name) return asset;
  }
  return std::nullopt;
}

std::string_view content_type(std::string_view name) {
  const auto ends_with = [name](std::string_view ext) {
    return name.size() >= ext.size() && name.substr(name.size() - ext.size()) == ext;
  };
  if (ends_with(".html")) return "text/html; charset=utf-8";
  if (ends_with(".css")) return "text/css; charset=utf-8";
  if (ends_with(".js")) return "text/javascript; charset=utf-8";
  if (ends_with(".svg")) return "image/svg+xml";
  return "application/octet-stream";
}

}  // namespace reship::ui
