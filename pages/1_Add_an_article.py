"""Add an article: paste it or upload a .txt, preview its events on a map with each place's
provenance, then save it through the same ingest as the command line (atomic, locked)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitAPIException
from streamlit_folium import st_folium

from geo import filters, mapview, store
from geo.errors import GeoError
from geo.share import ViewState

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def load_pipeline() -> tuple[Any, Any] | None:
    """geo.events.extract_events and geo.ingest.ingest_text, or None if they are not installed."""
    try:
        from geo.events import extract_events
        from geo.ingest import ingest_text
    except ImportError as err:
        st.warning(f"The extraction pipeline is not available yet ({err}); articles cannot be added.")
        return None
    return extract_events, ingest_text


def uploaded_text(upload: Any) -> str | None:
    """The text of an uploaded .txt (UTF-8), or None with an error shown."""
    raw = upload.getvalue()
    if len(raw) > MAX_UPLOAD_BYTES:
        st.error(f"{mapview.markdown_escape(upload.name)} is larger than 5 MB; upload only the article.")
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        st.error(f"{mapview.markdown_escape(upload.name)} is not UTF-8 text (byte {err.start}); save it as UTF-8 "
                 "and upload it again.")
        return None


def provenance_table(features: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per event and place: where the place came from and how precise it is."""
    rows = []
    for f in features:
        p = f["properties"]
        rows.append(
            {
                "date": mapview.date_words(p["date_start"], p["date_end"]),
                "event type": p["event_type"],
                "as written": p["mention"],
                "place": p["place"],
                "place id": p["place_id"],
                "source of the place": p.get("place_source") or p["place_id"],
                "precision": mapview.precision_words(p["geo_precision"], p["uncertainty_km"], p.get("kind")),
                "summary": p["summary"],
            }
        )
    return pd.DataFrame(rows)


def main() -> None:
    """Draw the page."""
    st.set_page_config(page_title="Add an article", page_icon=":newspaper:", layout="wide")
    st.title("Add an article")
    pipeline = load_pipeline()
    data_dir = store.default_data_dir()
    st.caption(f"Saved articles go to {mapview.markdown_escape(data_dir)} (events.geojson, places.geojson, articles/).")

    upload = st.file_uploader("Upload a .txt file", type=["txt"], key="art_upload")
    text = st.text_area("…or paste the article's text", height=240, key="art_text")
    if upload is not None:
        text = uploaded_text(upload) or ""
    c1, c2 = st.columns(2)
    published = c1.date_input("Published on", value=dt.date.today(), key="art_published",
                               min_value=dt.date(1900, 1, 1), max_value=dt.date.today())
    outlet = c2.text_input("Outlet", key="art_outlet")
    title = st.text_input("Title", key="art_title", help="Left empty: the article's first line")
    url = st.text_input("URL", key="art_url", placeholder="https://...")
    if url and mapview.safe_url(url) is None:
        st.warning("The URL is not an http(s) address; it will be stored but not shown as a link.")
    if pipeline is None:
        return
    extract_events, ingest_text = pipeline
    b1, b2 = st.columns(2)
    if b1.button("Preview the events", key="art_preview", disabled=not text.strip()):
        try:
            st.session_state["art_fc"] = extract_events(
                text, published=published, title=title, url=url, outlet=outlet
            )
        except GeoError as err:
            st.session_state["art_fc"] = None
            st.error("The article cannot be read: " + mapview.markdown_escape(err))
    preview = st.session_state.get("art_fc")
    if preview is not None and text.strip():
        features = filters.event_features(preview)
        st.markdown(f"**{len(features)}** event-places found in the article (not saved yet).")
        if features:
            m = mapview.build_map(features, None, ViewState())
            st_folium(m, key="preview_map", height=420, use_container_width=True, returned_objects=[])
            st.dataframe(provenance_table(features), hide_index=True)
    if b2.button("Save the article", key="art_save", type="primary", disabled=not text.strip()):
        with st.status("Saving the article…", expanded=True) as status:
            status.write("Extracting events and places, then writing the data folder (atomic, locked)…")
            try:
                report = ingest_text(text, data_dir=data_dir, published=published, title=title, url=url, outlet=outlet)
            except GeoError as err:
                status.update(label="Not saved", state="error")
                st.error("The article was not saved: " + mapview.markdown_escape(err))
                return
            status.text(report.summary())
            status.update(label="Saved" if report.ok else "Not saved", state="complete" if report.ok else "error")
        if report.ok:
            st.cache_resource.clear()
            st.cache_data.clear()
            st.session_state["art_fc"] = None
            st.success(f"{report.events_added} new event-places saved. They are on the dashboard now.")
            try:
                st.page_link("app.py", label="Open the dashboard", icon="🗺️")
            except StreamlitAPIException:  # the page run on its own (tests): no navigation
                st.caption("Open the dashboard from the sidebar.")
        else:
            st.error("The article was not saved: "
                     + mapview.markdown_escape("; ".join(r.message for r in report.failed if r.message)))


main()
