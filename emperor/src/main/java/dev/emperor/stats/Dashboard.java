package dev.emperor.stats;

import dev.emperor.daemon.EmperorSnapshot;
import dev.emperor.vassal.VassalStatus;
import dev.emperor.vassal.WorkerStatus;

/** The page at {@code /}: one table of vassals and workers, refreshed every two seconds. */
final class Dashboard {

    private Dashboard() {
    }

    static String html(EmperorSnapshot s) {
        StringBuilder sb = new StringBuilder(4096);
        sb.append("<!doctype html><html><head><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"2\">")
                .append("<title>emperor</title><style>")
                .append("body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse}")
                .append("td,th{padding:4px 10px;border-bottom:1px solid #ddd;text-align:left}")
                .append(".running{color:#080}.starting,.reloading{color:#a60}.backoff,.failed,.invalid{color:#c00}")
                .append(".err{color:#c00;font-family:monospace}</style></head><body>");
        sb.append("<h1>emperor</h1><p>pid ").append(s.pid()).append(" &middot; version ").append(esc(s.version()))
                .append(" &middot; up ").append(s.uptimeMs() / 1000).append(" s &middot; watching ")
                .append(esc(String.join(", ", s.vassalsDirs()))).append("</p>");
        sb.append("<table><tr><th>vassal</th><th>state</th><th>restarts</th><th>workers (id: pid state)</th>")
                .append("<th>error / last exit</th></tr>");
        for (VassalStatus v : s.vassals()) {
            sb.append("<tr><td title=\"").append(esc(v.config().toString())).append("\">").append(esc(v.name()))
                    .append("</td><td class=\"").append(v.state().label()).append("\">").append(v.state().label())
                    .append("</td><td>").append(v.restarts()).append("</td><td>");
            for (WorkerStatus w : v.workers()) {
                sb.append(w.id()).append(": ").append(w.pid() == null ? "-" : w.pid()).append(' ')
                        .append(w.state().label()).append("<br>");
            }
            sb.append("</td><td class=\"err\">").append(esc(v.error() != null ? v.error()
                    : v.lastExit() != null ? "last: " + v.lastExit() : "")).append("</td></tr>");
        }
        sb.append("</table></body></html>\n");
        return sb.toString();
    }

    private static String esc(String s) {
        return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
