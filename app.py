"""bnviz: the router. Page config, st.navigation over pages/, and the sidebar settings (pages/_ui.router)."""

from pages._ui import router

router().run()
